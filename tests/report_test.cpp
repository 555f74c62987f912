/// report.html: SHA-256 and base64 vectors, HTML rendering from result.json, and the real binary
/// end to end (phantom, analyze, report), printed by headless Chromium (run under xvfb-run).

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/model/result.h>
#include <liver/report/report.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <sys/wait.h>

using namespace liver;
using namespace liver::report;
using liver::model::DecisionSupportDisclaimer;
namespace fs = std::filesystem;

namespace
{

std::string readFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& bytes)
{
  std::ofstream(path, std::ios::binary) << bytes;
}

/// Inverse of base64Encode; throws on a character outside the alphabet.
std::string base64Decode(const std::string& text)
{
  static const std::string alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text)
  {
    if (c == '=')
      break;
    const auto v = alphabet.find(c);
    if (v == std::string::npos)
      throw std::runtime_error(std::string("bad base64 character ") + c);
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8)
    {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

/// A 1x1 PNG is not needed: any bytes with the PNG signature and an IHDR of the given size.
std::string fakePng(unsigned width, unsigned height)
{
  std::string s("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (unsigned v : { width, height })
    for (int shift = 24; shift >= 0; shift -= 8)
      s += static_cast<char>((v >> shift) & 0xFF);
  return s + std::string(5, '\0');
}

unsigned be32(const std::string& bytes, std::size_t at)
{
  unsigned v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

/// A small result.json as `plan` writes it: one plan whose name needs escaping (the fields the
/// model's reader requires, and some it does not).
nlohmann::json minimalResult()
{
  nlohmann::json lesion = {
    { "id", 1 },          { "fate", "left" },  { "transected", false },
    { "marginMm", 4.25 }, { "volumeMl", 2.5 }, { "warnings", nlohmann::json::array() }
  };
  nlohmann::json result = {
    { "tool", "liverplan" },
    { "version", "9.9.9" },
    { "kind", "resection-plans" },
    { "ct",
      { { "study", { { "patientId", "PAT<&>1" }, { "studyInstanceUid", "1.2.3.4" } } },
        { "load", { { "source", "/nonexistent/ct.nii.gz" }, { "format", "nifti" } } } } },
    { "volumetry",
      { { "totalLiverMl", 1631.528 },
        { "tumourMl", 122.5 },
        { "functionalMl", 1509.0 },
        { "lesions", nlohmann::json::array() } } },
    { "plans",
      { { { "name", "<script>alert(1)</script>" },
          { "result",
            { { "remnantMl", 497.44 },
              { "flrMl", 470.0 },
              { "resectedMl", 1134.1 },
              { "flrPercent", 31.2 },
              { "sflrPercent", 27.6 },
              { "uncertainty", { { "sflrPercentLow", 24.9 }, { "sflrPercentHigh", 30.4 } } },
              { "threshold",
                { { "percent", 30 }, { "basis", "sFLR" }, { "source", "Kishi 2009" } } },
              { "pass", false },
              { "r0", false },
              { "marginStatus", "R2" },
              { "lesions", { lesion } } } } } } }
  };
  return result;
}

/// The report of a result.json object, read through the model as `liverplan report` reads it.
std::string render(const nlohmann::json& result, const std::vector<ReportImage>& images = {})
{
  return renderReportHtml(model::fromJson(result), images);
}

} // namespace

TEST(Sha256, MatchesTheFipsVectors)
{
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a': many blocks, and the file reader's 1 MiB buffer boundary.
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256Hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  const std::string dir = test::makeTempDir("sha");
  writeFile(dir + "/a", million + million);
  EXPECT_EQ(sha256File(dir + "/a"), sha256Hex(million + million));
  EXPECT_THROW(sha256File(dir + "/missing"), InputError);
}

TEST(Base64, MatchesTheRfc4648Vectors)
{
  const std::vector<std::pair<std::string, std::string>> vectors = { { "", "" },
                                                                     { "f", "Zg==" },
                                                                     { "fo", "Zm8=" },
                                                                     { "foo", "Zm9v" },
                                                                     { "foob", "Zm9vYg==" },
                                                                     { "fooba", "Zm9vYmE=" },
                                                                     { "foobar", "Zm9vYmFy" } };
  for (const auto& [plain, encoded] : vectors)
  {
    EXPECT_EQ(base64Encode(plain), encoded);
    EXPECT_EQ(base64Decode(encoded), plain);
  }
  EXPECT_EQ(base64Encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(ReportHtml, EscapesEveryTextAndSaysWhenNoDecisionWasMade)
{
  const std::string html = render(minimalResult());
  EXPECT_EQ(htmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_FALSE(test::contains(html, "<script"));
  EXPECT_TRUE(test::contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(test::contains(html, "PAT&lt;&amp;&gt;1"));
  EXPECT_TRUE(test::contains(html, "no clinical data: decision not made"));
  EXPECT_TRUE(test::contains(html, DecisionSupportDisclaimer));
  // Numbers from result.json, rounded for display; the sFLR with its band.
  EXPECT_TRUE(test::contains(html, "1631.5"));
  EXPECT_TRUE(test::contains(html, "27.6 <span class=\"band\">(24.9&ndash;30.4)</span>"));
  EXPECT_TRUE(test::contains(html, "R2"));
  EXPECT_TRUE(test::contains(html, "4.2")); // lesion 1's margin, 4.25 mm
  EXPECT_TRUE(test::contains(html, "@media print"));
  EXPECT_TRUE(test::contains(html, "No input file digests"));
  // Input files with their SHA-256, as inputDigests gives them in result.inputFiles.
  nlohmann::json hashed = minimalResult();
  hashed["inputFiles"] = { { { "role", "ct" },
                             { "path", "/data/ct.nii.gz" },
                             { "kind", "file" },
                             { "bytes", 8 },
                             { "sha256", sha256Hex("ct bytes") } } };
  const std::string withDigests = render(hashed);
  EXPECT_TRUE(test::contains(withDigests, sha256Hex("ct bytes")));
  EXPECT_TRUE(test::contains(withDigests, "/data/ct.nii.gz"));
  EXPECT_FALSE(test::contains(withDigests, "computed when this report was rendered"));
  EXPECT_FALSE(test::contains(html, "<img"));
  // What the result does not hold is shown as "-": an empty result renders.
  const std::string empty = renderReportHtml(model::AnalysisResult{}, {});
  EXPECT_TRUE(test::contains(empty, "No resection plan was simulated"));
  EXPECT_TRUE(test::contains(empty, "<th scope=\"row\">Patient ID</th><td>-</td>"));
}

TEST(ReportHtml, QualityControlReviewIsAtTheTopWithItsReasons)
{
  nlohmann::json result = minimalResult();
  EXPECT_FALSE(test::contains(render(result), "id=\"qc\""));
  result["contrastPhase"] = { { "phase", "portal-venous" },
                              { "confidence", 0.83 },
                              { "how", "aorta median 176 HU" } };
  result["qualityControl"] = {
    { "status", "review" },
    { "reasons", { "incomplete coverage: the liver touches the last slice <1>" } }
  };
  const std::string html = render(result);
  const auto qc = html.find("id=\"qc\"");
  ASSERT_NE(qc, std::string::npos);
  EXPECT_LT(qc, html.find("Patient ID")); // before the study table: at the top
  EXPECT_TRUE(test::contains(html, "REVIEW NEEDED"));
  EXPECT_TRUE(test::contains(html, "the liver touches the last slice &lt;1&gt;"));
  EXPECT_TRUE(test::contains(html, "<b>portal-venous</b> (confidence 0.83"));
  result["qualityControl"] = { { "status", "ok" }, { "reasons", nlohmann::json::array() } };
  const std::string ok = render(result);
  EXPECT_TRUE(test::contains(ok, "quality control ok"));
  EXPECT_FALSE(test::contains(ok, "REVIEW NEEDED"));
}

TEST(ReportHtml, SaysAtTheTopWhetherTheSegmentationWasReviewedOrEdited)
{
  nlohmann::json result = minimalResult();
  const auto banner = [&]
  {
    const std::string html = render(result);
    const auto at = html.find("<section id=\"review\"");
    EXPECT_NE(at, std::string::npos);
    EXPECT_LT(at, html.find("Patient ID")); // before the study table: at the top
    return at == std::string::npos ? std::string()
                                   : html.substr(at, html.find("</section>", at) - at);
  };
  result["segmentation"] = { { "liver", "automatic" }, { "review", "automatic-unreviewed" } };
  EXPECT_TRUE(test::contains(banner(), "AUTOMATIC, NOT REVIEWED"));
  EXPECT_TRUE(test::contains(banner(), "class=\"review-none\""));
  result["segmentation"] = { { "liver", "imported" }, { "review", "imported-unreviewed" } };
  EXPECT_TRUE(test::contains(banner(), "no review recorded"));
  result["segmentation"] = { { "liver", "automatic" },
                             { "review", "reviewed" },
                             { "reviewedBy", "Dr <A>" },
                             { "reviewedAt", "2026-12-06T08:00:00Z" } };
  EXPECT_TRUE(test::contains(banner(), "reviewed, unchanged"));
  EXPECT_TRUE(test::contains(banner(), "Dr &lt;A&gt; on 2026-12-06T08:00:00Z"));
  result["segmentation"]["review"] = "edited";
  result["segmentation"]["edits"] = { { "operations", 3 },         { "liverAddedMl", 1.25 },
                                      { "liverRemovedMl", 0.0 },   { "tumourAddedMl", 4.5 },
                                      { "tumourRemovedMl", 2.75 }, { "lesionsAdded", 1 },
                                      { "lesionsRemoved", 1 },     { "logFile", "edits.json" } };
  const std::string edited = banner();
  EXPECT_TRUE(test::contains(edited, "EDITED"));
  EXPECT_TRUE(test::contains(edited, "3 operation(s)"));
  EXPECT_TRUE(test::contains(edited, "tumour +4.5 / &minus;2.8 mL"));
  EXPECT_TRUE(test::contains(edited, "lesions added 1, removed 1"));
  EXPECT_TRUE(test::contains(edited, "edits.json"));
}

TEST(ReportHtml, ShowsTheDecisionWithItsTraceAndSources)
{
  nlohmann::json result = minimalResult();
  result["decision"] = {
    { "category", "resectable" },
    { "categoryText", "Resectable <upfront>" },
    { "strategies",
      { { { "id", "resection" }, { "text", "Resection first" } },
        { { "id", "perioperative-folfox" }, { "text", "Consider perioperative FOLFOX" } } } },
    { "warnings", { { { "ruleId", "W-MDT" }, { "text", "Discuss at the MDT" } } } },
    { "trace",
      { { { "ruleId", "R-SFLR" },
          { "inputs", { { "sflrPercent", 31.7 }, { "thresholdPercent", 30 } } },
          { "conclusion", "sFLR adequate" },
          { "source", "Shindoh JACS 2013" } } } },
    { "sources", { "DESIGN.md section 3", "Fong, Ann Surg 1999" } }
  };
  result["clinical"] = { { "primaryTumour", "colorectal" }, { "ecog", 0 } };
  const std::string html = render(result);
  EXPECT_FALSE(test::contains(html, "decision not made"));
  EXPECT_TRUE(test::contains(html, "primaryTumour</th><td>colorectal"));
  EXPECT_TRUE(test::contains(html, "Resectable &lt;upfront&gt;"));
  const auto first = html.find("Resection first");
  const auto second = html.find("Consider perioperative FOLFOX");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second); // strategies in their order
  for (const char* part : { "W-MDT",
                            "Discuss at the MDT",
                            "R-SFLR",
                            "sflrPercent = 31.7",
                            "thresholdPercent = 30",
                            "sFLR adequate",
                            "Shindoh JACS 2013",
                            "Fong, Ann Surg 1999" })
    EXPECT_TRUE(test::contains(html, part)) << part;
  // The decision carries the disclaimer.
  EXPECT_TRUE(test::contains(html.substr(html.find("<section id=\"decision\"")),
                             std::string("<p class=\"disclaimer\">") + DecisionSupportDisclaimer));
}

TEST(ReportHtml, EmbedsImagesAsDataUrisAndNamesTheSkippedOnes)
{
  ReportImage shown;
  shown.file = "images/plan-1-anterior.png";
  shown.kind = "plan-3d";
  shown.plan = 1;
  shown.caption = "Plan 1 anterior";
  shown.png = fakePng(64, 48);
  shown.widthPx = 64;
  shown.heightPx = 48;
  ReportImage skipped = shown;
  skipped.file = "images/plan-1-posterior.png";
  skipped.png.clear();
  skipped.skipped = "3D view skipped: no X display";
  const std::string html = render(minimalResult(), { shown, skipped });
  EXPECT_TRUE(test::contains(
    html, "src=\"data:image/png;base64," + base64Encode(shown.png) + "\" width=\"64\""));
  EXPECT_TRUE(test::contains(html, "3D view skipped: no X display"));
  EXPECT_TRUE(test::contains(html, "Plan 1 anterior"));
}

TEST(InputDigests, HashFilesAndFoldersAndNameMissingOnes)
{
  const std::string dir = test::makeTempDir("digests");
  writeFile(dir + "/ct.nii.gz", "ct bytes");
  fs::create_directories(dir + "/ts/sub");
  writeFile(dir + "/ts/liver.nii.gz", "liver");
  writeFile(dir + "/ts/sub/b.nii.gz", "b");
  model::AnalysisResult result;
  result.ct.load.source = "ct.nii.gz"; // relative: found under baseDir
  result.labels.sources = { { "liver", dir + "/ts", "", "", "" },
                            { "lesions", dir + "/gone.nii.gz", "", "", "" } };
  writeFile(dir + "/clinical.json", "{}");
  const nlohmann::json inputs = model::toJson(
    inputDigests(result, dir, { { "clinical", dir + "/clinical.json" }, { "plan-file", "" } }));
  ASSERT_EQ(inputs.size(), 4u);
  EXPECT_EQ(inputs[3]["role"], "clinical");
  EXPECT_EQ(inputs[3]["sha256"], sha256Hex("{}"));
  EXPECT_EQ(inputs[0]["role"], "ct");
  EXPECT_EQ(inputs[0]["sha256"], sha256Hex("ct bytes"));
  EXPECT_EQ(inputs[0]["bytes"], 8);
  EXPECT_EQ(inputs[1]["kind"], "folder");
  EXPECT_EQ(inputs[1]["files"], 2);
  EXPECT_EQ(
    inputs[1]["sha256"],
    sha256Hex(sha256Hex("liver") + "  liver.nii.gz\n" + sha256Hex("b") + "  sub/b.nii.gz\n"));
  EXPECT_TRUE(inputs[2]["sha256"].is_null());
  EXPECT_TRUE(inputs[2].contains("error"));
}

namespace
{

struct Chromium
{
  int exitCode = -1;
  std::string err;
};

const char* const ChromiumPath = "/usr/bin/chromium";

/// Headless Chromium on `url` with a fresh profile; `action` is --print-to-pdf=... or
/// --dump-dom (stdout to `outPath`).
Chromium runChromium(const std::string& url, const std::string& action, const std::string& outPath)
{
  const std::string dir = test::makeTempDir("chromium");
  const std::string command =
    std::string("timeout 180 ") + ChromiumPath +
    " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
    " --disable-background-networking --disable-component-update --disable-sync"
    " --user-data-dir=" +
    dir + "/profile --enable-logging=stderr --v=0 " + action + " '" + url + "' > '" + outPath +
    "' 2> '" + dir + "/stderr'";
  Chromium r;
  const int status = std::system(command.c_str());
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = readFile(dir + "/stderr");
  return r;
}

/// Chromium's log lines for the page's console messages ("...:INFO:CONSOLE(n)] ...").
std::vector<std::string> consoleLines(const std::string& err)
{
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find("CONSOLE") != std::string::npos)
      lines.push_back(line);
  return lines;
}

/// Every <img> data URI of `html` decoded: its PNG signature and IHDR size must match the tag's
/// width and height. Returns the number of images.
std::size_t checkImages(const std::string& html)
{
  // Scanned by hand: std::regex recurses per character and overflows the stack on the data URIs
  // of lit 3D views (tens of kB of base64).
  const std::string head = "<img src=\"data:image/png;base64,";
  std::size_t count = 0;
  for (auto at = html.find(head); at != std::string::npos; at = html.find(head, at + 1))
  {
    const std::size_t start = at + head.size();
    const std::size_t end = html.find('"', start);
    if (end == std::string::npos)
    {
      ADD_FAILURE() << "unterminated data URI";
      break;
    }
    const std::string data = html.substr(start, end - start);
    EXPECT_EQ(
      data.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
      std::string::npos);
    unsigned long width = 0, height = 0;
    EXPECT_EQ(std::sscanf(html.c_str() + end, "\" width=\"%lu\" height=\"%lu\"", &width, &height),
              2)
      << html.substr(end, 40);
    const std::string png = base64Decode(data);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(be32(png, 16), width);
    EXPECT_EQ(be32(png, 20), height);
    ++count;
  }
  // No other <img> (external or malformed).
  std::size_t tags = 0;
  for (auto at = html.find("<img"); at != std::string::npos; at = html.find("<img", at + 1))
    ++tags;
  EXPECT_EQ(tags, count);
  return count;
}

} // namespace

class ReportCli : public ::testing::Test
{
protected:
  /// One phantom and one analysis for every case (4 mm grid: fast).
  static void SetUpTestSuite()
  {
    s_dir = test::makeTempDir("report-cli");
    ASSERT_EQ(test::runLiverplan({ "phantom", "--out", s_dir + "/p", "--spacing", "4" }).exitCode,
              0);
    const test::CommandResult r =
      test::runLiverplan({ "analyze",
                           s_dir + "/p/ct.nii.gz",
                           "--liver",
                           s_dir + "/p/liver.nii.gz",
                           "--lesions",
                           s_dir + "/p/lesions.nii.gz",
                           "--segments",
                           s_dir + "/p/segments.nii.gz",
                           "--plan",
                           "right-hemihepatectomy",
                           "--plan",
                           "left-lateral-sectionectomy+wedge:2@10+ablate:3@5",
                           "--height",
                           "175",
                           "--weight",
                           "80",
                           "--out",
                           s_dir + "/a" });
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  static std::string s_dir;
};

std::string ReportCli::s_dir;

TEST_F(ReportCli, AnalyzeThenReportGivesASelfContainedReportThatChromiumPrintsCleanly)
{
  ASSERT_TRUE(std::getenv("DISPLAY")) << "run under xvfb-run (ctest does)";
  const test::CommandResult r =
    test::runLiverplan({ "report", s_dir + "/a/result.json", "--render-images" });
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string path = s_dir + "/a/report.html";
  const std::string html = readFile(path);
  const nlohmann::json result = test::readJson(s_dir + "/a/result.json");

  // Every plan, the volumetry table with result.json's numbers, the disclaimer, the CT's SHA-256.
  for (const auto& plan : result["plans"])
    EXPECT_TRUE(test::contains(html, htmlEscape(plan["name"].get<std::string>()))) << plan["name"];
  EXPECT_TRUE(test::contains(html, "<table class=\"kv volumetry\">"));
  char tlv[32];
  std::snprintf(tlv, sizeof tlv, "%.1f", result["volumetry"]["totalLiverMl"].get<double>());
  EXPECT_TRUE(test::contains(html, std::string("Total liver volume (TLV) mL</th><td>") + tlv));
  EXPECT_TRUE(test::contains(html, DecisionSupportDisclaimer));
  EXPECT_TRUE(test::contains(html, sha256File(s_dir + "/p/ct.nii.gz")));
  EXPECT_TRUE(test::contains(html, sha256File(s_dir + "/p/lesions.nii.gz")));
  // The decision analyze made (category "incomplete" without clinical data), else the note.
  if (result.contains("decision"))
    EXPECT_TRUE(
      test::contains(html, htmlEscape(result["decision"]["categoryText"].get<std::string>())));
  else
    EXPECT_TRUE(test::contains(html, "no clinical data: decision not made"));
  // Self-contained: nothing fetched from anywhere.
  EXPECT_FALSE(test::contains(html, "http://"));
  EXPECT_FALSE(test::contains(html, "https://"));
  EXPECT_FALSE(test::contains(html, "<script"));
  EXPECT_FALSE(test::contains(html, "<link"));

  // 2 plans x (anterior + posterior + one axial slice per lesion), all decodable PNGs.
  const std::size_t lesions = result["volumetry"]["lesions"].size();
  ASSERT_GT(lesions, 0u);
  EXPECT_EQ(checkImages(html), 2 * (2 + lesions));
  EXPECT_TRUE(fs::exists(s_dir + "/a/images/plan-1-anterior.png"));
  EXPECT_TRUE(fs::exists(s_dir + "/a/images/plan-2-lesion-1-axial.png"));

  if (!fs::exists(ChromiumPath))
    GTEST_SKIP() << ChromiumPath << " is absent (scripts/bootstrap installs chromium)";
  const std::string pdf = s_dir + "/r.pdf";
  const Chromium printed =
    runChromium("file://" + path, "--print-to-pdf=" + pdf, s_dir + "/chromium.out");
  EXPECT_EQ(printed.exitCode, 0) << printed.err;
  EXPECT_TRUE(consoleLines(printed.err).empty()) << consoleLines(printed.err).front();
  const std::string pdfBytes = readFile(pdf);
  EXPECT_EQ(pdfBytes.substr(0, 5), "%PDF-");
  EXPECT_GT(pdfBytes.size(), 50000u); // the embedded images are in it
  // More than one page: the print CSS starts volumetry, the plans and the decision on new pages.
  const std::regex page("/Type\\s*/Page[^s]");
  const auto pages = std::distance(std::sregex_iterator(pdfBytes.begin(), pdfBytes.end(), page),
                                   std::sregex_iterator());
  EXPECT_GE(pages, 4);

  // The console check can fail: a page that logs an error is caught.
  const std::string bad = s_dir + "/bad.html";
  writeFile(bad,
            "<!DOCTYPE html><html><body><script>console.error('broken report')</script>"
            "</body></html>");
  const Chromium logged = runChromium("file://" + bad, "--dump-dom", s_dir + "/bad.dom");
  EXPECT_EQ(logged.exitCode, 0);
  EXPECT_FALSE(consoleLines(logged.err).empty()) << logged.err;

  // The DOM Chromium parsed holds the disclaimer and the plans' section.
  const Chromium dumped = runChromium("file://" + path, "--dump-dom", s_dir + "/report.dom");
  EXPECT_EQ(dumped.exitCode, 0);
  EXPECT_TRUE(consoleLines(dumped.err).empty());
  const std::string dom = readFile(s_dir + "/report.dom");
  EXPECT_TRUE(test::contains(dom, "id=\"plans\""));
  EXPECT_TRUE(test::contains(dom, "class=\"disclaimer\""));
}

TEST_F(ReportCli, WithoutADisplayThe3dViewsAreSkippedAndTheReportSaysSo)
{
  const std::string dir = s_dir + "/nodisplay";
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(s_dir + "/a"))
    if (entry.is_regular_file())
      fs::copy_file(entry.path(), dir + "/" + entry.path().filename().string());
  const std::string display = std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "";
  unsetenv("DISPLAY");
  const test::CommandResult r =
    test::runLiverplan({ "report", dir + "/result.json", "--render-images" });
  if (!display.empty())
    setenv("DISPLAY", display.c_str(), 1);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(test::contains(r.err, "3D views skipped")) << r.err;
  const std::string html = readFile(dir + "/report.html");
  EXPECT_TRUE(test::contains(html, "3D view skipped"));
  const nlohmann::json result = test::readJson(dir + "/result.json");
  // The axial slices need no display: they are all there.
  EXPECT_EQ(checkImages(html), 2 * result["volumetry"]["lesions"].size());
  EXPECT_FALSE(fs::exists(dir + "/images/plan-1-anterior.png"));
  EXPECT_TRUE(fs::exists(dir + "/images/index.json"));

  // Re-rendering without --render-images embeds what images/index.json lists, into --out.
  const test::CommandResult again =
    test::runLiverplan({ "report", dir + "/result.json", "--out", dir + "/again.html" });
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_EQ(checkImages(readFile(dir + "/again.html")), 2 * result["volumetry"]["lesions"].size());
  EXPECT_TRUE(test::contains(again.out, "again.html"));
}

TEST_F(ReportCli, BadResultFilesAreRefusedWithExitCode2)
{
  const std::string dir = test::makeTempDir("report-bad");
  test::expectOneLineError(
    test::runLiverplan({ "report", dir + "/missing.json" }), test::ExitBadInput, "missing.json");
  writeFile(dir + "/broken.json", "{\"plans\": [");
  test::expectOneLineError(
    test::runLiverplan({ "report", dir + "/broken.json" }), test::ExitBadInput, "broken.json");
  writeFile(dir + "/array.json", "[1, 2]");
  test::expectOneLineError(
    test::runLiverplan({ "report", dir + "/array.json" }), test::ExitBadInput, "array.json");
  EXPECT_EQ(test::listDir(dir), (std::vector<std::string>{ "array.json", "broken.json" }));
  EXPECT_EQ(test::runLiverplan({ "report" }).exitCode, test::ExitUsage);
}
