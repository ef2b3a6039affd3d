// The battery's pseudo-random generator: splitmix64 with a bounded mapping
// defined here, so that items are identical on every compiler and platform
// (standard library distributions are implementation-defined).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace qa::probes {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // splitmix64 (Steele, Lea and Flood 2014), constants from its reference code.
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound) by rejection sampling, so no value is favoured.
  uint64_t below(uint64_t bound) {
    const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    uint64_t value = next();
    while (value >= limit) {
      value = next();
    }
    return value % bound;
  }

  // Uniform integer in [low, high], both inclusive.
  int range(int low, int high) {
    return low + static_cast<int>(below(static_cast<uint64_t>(high - low) + 1));
  }

  bool coin() { return (next() >> 63) != 0; }

  template <typename T>
  const T& pick(const std::vector<T>& values) {
    return values[below(values.size())];
  }

  // Fisher-Yates shuffle driven by below().
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      std::swap(values[i - 1], values[below(i)]);
    }
  }

  // count distinct elements of values, in random order.
  template <typename T>
  std::vector<T> sample(std::vector<T> values, size_t count) {
    for (size_t i = 0; i < count && i < values.size(); ++i) {
      std::swap(values[i], values[i + below(values.size() - i)]);
    }
    values.resize(count < values.size() ? count : values.size());
    return values;
  }

 private:
  uint64_t state_;
};

// 64-bit FNV-1a of a string, used to give each family its own seed stream.
inline uint64_t fnv1a_64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Combines seed parts into one well-mixed seed.
inline uint64_t mix_seed(uint64_t seed, uint64_t part) {
  Rng rng(seed ^ (part * 0x9e3779b97f4a7c15ULL));
  rng.next();
  return rng.next();
}

}  // namespace qa::probes
