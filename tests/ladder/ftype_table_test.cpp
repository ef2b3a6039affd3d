#include "ladder/ftype_table.h"

#include <gtest/gtest.h>
#include <llama.h>

#include "common/error.h"

namespace qa {
namespace {

TEST(FtypeTable, ParsesCanonicalNames) {
  EXPECT_EQ(parse_ftype_name("Q8_0").ftype, LLAMA_FTYPE_MOSTLY_Q8_0);
  EXPECT_EQ(parse_ftype_name("Q6_K").ftype, LLAMA_FTYPE_MOSTLY_Q6_K);
  EXPECT_EQ(parse_ftype_name("Q5_K_M").ftype, LLAMA_FTYPE_MOSTLY_Q5_K_M);
  EXPECT_EQ(parse_ftype_name("Q4_K_M").ftype, LLAMA_FTYPE_MOSTLY_Q4_K_M);
  EXPECT_EQ(parse_ftype_name("Q3_K_M").ftype, LLAMA_FTYPE_MOSTLY_Q3_K_M);
  EXPECT_EQ(parse_ftype_name("Q2_K").ftype, LLAMA_FTYPE_MOSTLY_Q2_K);
  EXPECT_EQ(parse_ftype_name("Q4_0").ftype, LLAMA_FTYPE_MOSTLY_Q4_0);
  EXPECT_EQ(parse_ftype_name("IQ4_XS").ftype, LLAMA_FTYPE_MOSTLY_IQ4_XS);
  EXPECT_EQ(parse_ftype_name("F16").ftype, LLAMA_FTYPE_MOSTLY_F16);
  EXPECT_EQ(parse_ftype_name("BF16").ftype, LLAMA_FTYPE_MOSTLY_BF16);
}

TEST(FtypeTable, IgnoresCaseAndMapsAliases) {
  const FtypeName lower = parse_ftype_name("q4_k_m");
  EXPECT_EQ(lower.name, "Q4_K_M");

  const FtypeName alias = parse_ftype_name("Q4_K");
  EXPECT_EQ(alias.name, "Q4_K_M");
  EXPECT_EQ(alias.ftype, LLAMA_FTYPE_MOSTLY_Q4_K_M);
  EXPECT_EQ(parse_ftype_name("Q3_K").name, "Q3_K_M");
  EXPECT_EQ(parse_ftype_name("Q5_K").name, "Q5_K_M");
}

TEST(FtypeTable, UnknownNameListsValidNames) {
  try {
    parse_ftype_name("Q7_K");
    FAIL() << "Q7_K was accepted";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(message.find("Q7_K"), std::string::npos) << message;
    EXPECT_NE(message.find("Q4_K_M"), std::string::npos) << message;
    EXPECT_NE(message.find("IQ4_XS"), std::string::npos) << message;
  }
}

TEST(FtypeTable, NamesAreUniqueAndValid) {
  std::set<std::string> names;
  std::set<int> ftypes;
  for (const auto& entry : ftype_names()) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
    EXPECT_TRUE(ftypes.insert(entry.ftype).second) << entry.name;
    EXPECT_EQ(parse_ftype_name(entry.name).ftype, entry.ftype);
  }
  EXPECT_EQ(names.count("COPY"), 0u);
}

TEST(FtypeList, ParsesInOrder) {
  const auto rungs = parse_ftype_list("Q8_0, q6_k,Q2_K");
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].name, "Q8_0");
  EXPECT_EQ(rungs[1].name, "Q6_K");
  EXPECT_EQ(rungs[2].name, "Q2_K");
}

TEST(FtypeList, RejectsEmptyAndDuplicateEntries) {
  EXPECT_THROW(parse_ftype_list(""), Error);
  EXPECT_THROW(parse_ftype_list("Q8_0,,Q4_0"), Error);
  EXPECT_THROW(parse_ftype_list("Q8_0,"), Error);
  EXPECT_THROW(parse_ftype_list("Q4_K,Q4_K_M"), Error);
  EXPECT_THROW(parse_ftype_list("Q8_0,BOGUS"), Error);
}

}  // namespace
}  // namespace qa
