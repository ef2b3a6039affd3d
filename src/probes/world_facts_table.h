// The facts world_facts asks about, compiled into the binary so that every
// build asks the same questions. Capitals and other large cities as of
// 2024, leaving out countries whose capital is disputed or often confused
// with a larger city (Israel, Tanzania); chemical symbols from the IUPAC
// periodic table.
#pragma once

#include <string>
#include <vector>

namespace qa::probes::facts {

struct Country {
  std::string name;
  std::string capital;
  std::string region;                    // groups close distractors
  std::vector<std::string> other_cities;  // large cities that are not the capital
};

struct Element {
  std::string name;
  std::string symbol;
};

const std::vector<Country>& countries();
const std::vector<Element>& elements();

}  // namespace qa::probes::facts
