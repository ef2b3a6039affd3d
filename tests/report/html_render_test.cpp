// index.html in headless Chromium with no network: the page loads, its
// script runs, and every plot is in the rendered DOM. Skipped when Debian's
// chromium package is not installed.
#include <cstdlib>

#include <gtest/gtest.h>

#include "common/files.h"
#include "report/plots.h"
#include "report/report_writer.h"
#include "report/study_fixture.h"
#include "support/paths.h"

namespace qa::report {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

// Chromium flags that stop background requests; the page itself needs none.
std::string chromium_command(const fs::path& profile, const std::string& action,
                             const fs::path& page) {
  // unshare -n runs Chromium in a network namespace without interfaces, so
  // any request would fail. It needs root. Without it, the flags alone keep
  // Chromium off the network.
  const bool can_unshare = std::system("unshare -n true >/dev/null 2>&1") == 0;
  return std::string(can_unshare ? "unshare -n " : "") + kChromium +
         " --headless --no-sandbox --disable-gpu --disable-background-networking"
         " --disable-component-update --disable-sync --no-first-run"
         " --user-data-dir='" + profile.string() + "' " + action + " 'file://" + page.string() +
         "'";
}

TEST(HtmlRender, HeadlessChromiumShowsEveryPlot) {
  if (!fs::exists(kChromium)) {
    GTEST_SKIP() << "skipped: " << kChromium << " not found (Debian package chromium)";
  }
  test::ScopedTempDir folder;
  const fs::path study = folder.path() / "study";
  test::write_study_fixture(study);
  write_report(study, {});
  const fs::path page = study / "report" / "index.html";

  const fs::path dom = folder.path() / "dom.html";
  const std::string dump = chromium_command(folder.path() / "profile-dom", "--dump-dom", page) +
                           " >'" + dom.string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(dump.c_str()), 0) << dump;
  const std::string rendered = read_file(dom);
  size_t svg_count = 0;
  for (size_t at = rendered.find("<svg"); at != std::string::npos;
       at = rendered.find("<svg", at + 1)) {
    ++svg_count;
  }
  EXPECT_EQ(svg_count, plot_infos().size());
  EXPECT_NE(rendered.find("Recommendation"), std::string::npos);

  // Phone-sized window: the page must still render to a screenshot.
  const fs::path screenshot = folder.path() / "phone.png";
  const std::string shot =
      chromium_command(folder.path() / "profile-shot",
                       "--window-size=390,2400 --screenshot='" + screenshot.string() + "'",
                       page) +
      " >/dev/null 2>&1";
  ASSERT_EQ(std::system(shot.c_str()), 0) << shot;
  ASSERT_TRUE(fs::exists(screenshot));
  EXPECT_GT(fs::file_size(screenshot), 10000u);
}

}  // namespace
}  // namespace qa::report
