/// JSON input from untrusted files: the one parser (imaging/json_input.h) and every reader that
/// uses it, each refusing hostile files in one line naming the file and the field: nested too
/// deep, a token that nlohmann's message would echo whole, an empty file, a wrong type, a number
/// beyond a double or an int, a key given twice, a folder, a file too large.

#include "test_support.h"

#include <liver/editing/review.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>
#include <liver/model/clinical_json.h>
#include <liver/model/result.h>
#include <liver/pacs/dicomweb.h>
#include <liver/pipeline/batch.h>
#include <liver/pipeline/pacs_watch.h>
#include <liver/planning/plan.h>
#include <liver/segmentation/couinaud.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;
using liver::InputError;
using liver::ProcessingError;
using liver::test::errorOf;

namespace
{

/// `text` in a new file NAME of a fresh folder; its path.
std::string fileWith(const std::string& name, const std::string& text)
{
  const std::string path = liver::test::makeTempDir("json-input") + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string parseError(const std::string& text)
{
  return errorOf<InputError>([&] { liver::parseJsonInput(text, "f.json", "thing"); });
}

std::string nested(std::size_t levels)
{
  return std::string(levels, '[') + std::string(levels, ']');
}

/// A string value 5,000 bytes long that never ends: nlohmann's message ends with the whole token.
const std::string Unterminated = "{\"since\": \"" + std::string(5000, 'x');
/// Its refusal: where and why, without the token.
const std::string UnterminatedProblem =
  "not JSON (line 1, column 5012: syntax error while parsing value - invalid string: missing "
  "closing quote)";

/// What each reader of a file says about `text` in file NAME (the message, "" when accepted).
struct Reader
{
  const char* name;
  const char* kind;
  std::function<void(const std::string& path)> read;
};

const std::vector<Reader>& readers()
{
  static const std::vector<Reader> all = {
    { "result.json", "result file", [](const std::string& p) { liver::model::readResult(p); } },
    { "clinical.json",
      "clinical file",
      [](const std::string& p) { liver::model::loadClinicalFile(p); } },
    { "plan.json", "plan file", [](const std::string& p) { liver::loadPlanFile(p); } },
    { "landmarks.json", "landmarks file", [](const std::string& p) { liver::loadLandmarks(p); } },
    { "edits.json", "review log", [](const std::string& p) { liver::editing::readReview(p); } },
    { "pacs-watch.json",
      "pacs watch state",
      [](const std::string& p) { liver::pipeline::readPacsWatchState(p); } },
    { "credentials.json",
      "credentials file",
      [](const std::string& p) { liver::pacs::loadCredentials(p); } },
  };
  return all;
}

std::string readerError(const Reader& r, const std::string& text)
{
  const std::string path = fileWith(r.name, text);
  const std::string message = errorOf<InputError>([&] { r.read(path); });
  const std::string start = path + ": ";
  EXPECT_EQ(message.rfind(start, 0), 0u) << r.name << ": " << message;
  return message.rfind(start, 0) == 0 ? message.substr(start.size()) : message;
}

} // namespace

TEST(JsonInput, SyntaxErrorsSayWhereAndWhyWithoutTheTokenRead)
{
  EXPECT_EQ(parseError(Unterminated), "f.json: " + UnterminatedProblem);
  EXPECT_EQ(parseError("{\"a\": tru}"),
            "f.json: not JSON (line 1, column 10: syntax error while parsing value - invalid "
            "literal)");
  EXPECT_EQ(parseError("{\"a\": 1,\n \"b\" 2}"),
            "f.json: not JSON (line 2, column 6: syntax error while parsing object separator - "
            "unexpected number literal; expected ':')");
  // A control character in a string is named, not echoed.
  EXPECT_EQ(parseError(std::string("{\"a\": \"x\x01y\"}")),
            "f.json: not JSON (line 1, column 9: syntax error while parsing value - invalid "
            "string: control character U+0001 (SOH) must be escaped to \\u0001)");
}

TEST(JsonInput, EmptyTextIsNamedAsEmpty)
{
  EXPECT_EQ(parseError(""), "f.json: empty (not a thing)");
  EXPECT_EQ(parseError(" \r\n\t"), "f.json: empty (not a thing)");
  EXPECT_EQ(parseError("\xEF\xBB\xBF"), "f.json: empty (not a thing)");
}

TEST(JsonInput, NestingDeeperThan64LevelsIsRefusedBeforeAValueIsBuilt)
{
  EXPECT_EQ(liver::parseJsonInput(nested(64), "f.json", "thing").dump().size(), 128u);
  EXPECT_EQ(parseError(nested(65)), "f.json: nested deeper than 64 levels (not a thing)");
  EXPECT_EQ(parseError("{\"a\": " + nested(64) + "}"),
            "f.json: nested deeper than 64 levels (not a thing)");
  // 200,000 levels: copying such a value recursed until the stack overflowed.
  EXPECT_EQ(parseError(nested(200000)), "f.json: nested deeper than 64 levels (not a thing)");
  EXPECT_EQ(parseError(std::string(200000, '{')),
            "f.json: not JSON (line 1, column 2: syntax error while parsing object key - "
            "unexpected '{'; expected string literal)");
}

TEST(JsonInput, NumbersBeyondADoubleAreRefusedWithTheirPlace)
{
  EXPECT_EQ(parseError("{\"a\": 1e400}"),
            "f.json: not JSON (line 1, column 11: a number out of range)");
  EXPECT_EQ(parseError("{\n\"a\": -1e400}"),
            "f.json: not JSON (line 2, column 11: a number out of range)");
  // 400 digits: a number, not an echo of them.
  EXPECT_EQ(parseError("[" + std::string(400, '9') + "]"),
            "f.json: not JSON (line 1, column 401: a number out of range)");
  // Within range, -0 and an integer beyond 64 bits are numbers (a double).
  const nlohmann::json j = liver::parseJsonInput("[-0, 18446744073709551616, 1e308]", "f", "t");
  EXPECT_TRUE(j[0].is_number());
  EXPECT_DOUBLE_EQ(j[1].get<double>(), 18446744073709551616.0);
}

TEST(JsonInput, AKeyGivenTwiceIsRefusedWithItsPath)
{
  EXPECT_EQ(parseError(R"({"ecog": 0, "ecog": 4})"), "f.json: ecog: given twice");
  EXPECT_EQ(parseError(R"({"plans": [{"name": "x"}, {"name": "y", "name": "z"}]})"),
            "f.json: plans[1].name: given twice");
  EXPECT_EQ(parseError("{\"a\\nb\": 1, \"a\\nb\": 2}"), "f.json: \"a\\nb\": given twice");
  // The same key in two objects is no repetition.
  EXPECT_EQ(liver::parseJsonInput(R"([{"a": 1}, {"a": 2}])", "f", "t").size(), 2u);
}

TEST(JsonInput, AUtf8ByteOrderMarkIsSkipped)
{
  EXPECT_EQ(liver::parseJsonInput("\xEF\xBB\xBF{\"a\": 1}", "f", "t").at("a"), 1);
}

TEST(JsonInput, FoldersMissingAndOversizedFilesAreRefusedBeforeReading)
{
  const std::string dir = liver::test::makeTempDir("json-input-files");
  const auto readError = [](const std::string& path, std::uintmax_t max)
  { return errorOf<InputError>([&] { liver::readJsonInputFile(path, "thing", max); }); };
  EXPECT_EQ(readError(dir, 100), dir + ": is a folder, not a thing");
  EXPECT_EQ(readError(dir + "/none.json", 100),
            dir + "/none.json: cannot read the thing (No such file or directory)");
  std::ofstream(dir + "/17.json") << "[1,2,3,4,5,6,7,8]";
  EXPECT_EQ(readError(dir + "/17.json", 16), dir + "/17.json: larger than 16 bytes (not a thing)");
  EXPECT_EQ(liver::readJsonInputFile(dir + "/17.json", "thing", 17), "[1,2,3,4,5,6,7,8]");
  // 2 GiB (sparse: no disk used): refused by its size, never read.
  std::ofstream(dir + "/2gb.json").close();
  fs::resize_file(dir + "/2gb.json", std::uintmax_t(2) << 30);
  EXPECT_EQ(readError(dir + "/2gb.json", liver::MaxJsonFileBytes),
            dir + "/2gb.json: larger than 64 MiB (not a thing)");
  // A device without a size: read up to the limit, then refused.
  EXPECT_EQ(readError("/dev/zero", liver::MaxSmallJsonFileBytes),
            "/dev/zero: larger than 1 MiB (not a thing)");
}

TEST(JsonInput, ExcerptsAndKeysInMessagesAreOneShortLine)
{
  EXPECT_EQ(liver::jsonExcerpt(nlohmann::json(std::string(100, 'x'))),
            "\"" + std::string(63, 'x') + "...");
  EXPECT_EQ(liver::jsonExcerpt(nlohmann::json("a\nb")), "\"a\\nb\"");
  EXPECT_EQ(liver::jsonExcerpt(nlohmann::json(1e300)), "1e+300");
  EXPECT_EQ(liver::messageText("lung"), "lung");
  EXPECT_EQ(liver::messageText("a\nb"), "a\\nb");
  EXPECT_EQ(liver::messageText(std::string(100, 'y')), std::string(64, 'y') + "...");
  EXPECT_EQ(liver::jsonKeyName("heightCm"), "heightCm");
  EXPECT_EQ(liver::jsonKeyName("a b"), "\"a b\"");
}

/// The four hostile files every reader refuses alike, with its own kind in the message.
TEST(JsonInputReaders, EveryReaderRefusesDeepLongEmptyAndFolderInputsInOneLine)
{
  for (const Reader& r : readers())
  {
    SCOPED_TRACE(r.name);
    const std::string kind = r.kind;
    EXPECT_EQ(readerError(r, "{\"a\": " + nested(200000) + "}"),
              "nested deeper than 64 levels (not a " + kind + ")");
    EXPECT_EQ(readerError(r, Unterminated), UnterminatedProblem);
    EXPECT_EQ(readerError(r, ""), "empty (not a " + kind + ")");
    EXPECT_EQ(readerError(r, "{\"a\": 1, \"a\": 2}"), "a: given twice");
    const std::string dir = liver::test::makeTempDir("json-input-folder");
    const std::string message = errorOf<InputError>([&] { r.read(dir); });
    if (std::string(r.name) == "result.json") // a folder means its result.json
      EXPECT_EQ(message,
                dir + "/result.json: cannot read the result file (No such file or directory)");
    else
      EXPECT_EQ(message, dir + ": is a folder, not a " + kind);
  }
}

TEST(JsonInputReaders, ResultJsonFieldsOfTheWrongTypeOrRangeAreNamed)
{
  const Reader& r = readers()[0];
  EXPECT_EQ(readerError(r, R"({"volumetry": {"lesions": [], "totalLiverMl": "1200"}})"),
            "volumetry.totalLiverMl: must be a number, not string");
  // An id cast from 1e300 was undefined; 4294967297 wrapped to 1.
  EXPECT_EQ(readerError(r, R"({"volumetry": {"lesions": [{"id": 1e300}]}})"),
            "volumetry.lesions[0].id: must be an integer, not 1e+300");
  EXPECT_EQ(readerError(r, R"({"volumetry": {"lesions": [{"id": 1, "segments": [4294967298]}]}})"),
            "volumetry.lesions[0].segments: must be an integer, not 4294967298");
  EXPECT_EQ(readerError(r, R"({"schemaVersion": 4294967298, "volumetry": {"lesions": []}})"),
            "schemaVersion: must be an integer, not 4294967298");
  EXPECT_EQ(readerError(r, "[1]"), "must be a JSON object (a result.json of analyze/plan)");
}

TEST(JsonInputReaders, ClinicalJsonFieldsOfTheWrongTypeOrRangeAreNamed)
{
  const Reader& r = readers()[1];
  EXPECT_EQ(readerError(r, R"({"heightCm": "170"})"), "heightCm: must be a number, not string");
  // 2^32 was read as ECOG 0.
  EXPECT_EQ(readerError(r, R"({"ecog": 4294967296})"), "ecog: must be an integer, not 4294967296");
  EXPECT_EQ(readerError(r, R"({"ecog": 1e400})"),
            "not JSON (line 1, column 14: a number out of range)");
  EXPECT_EQ(readerError(r, "{\"primaryTumour\": \"" + std::string(100, 'z') + "\"}"),
            "primaryTumour: unknown primary tumour '" + std::string(64, 'z') +
              "...'; accepted values: colorectal, breast, neuroendocrine, other");
  EXPECT_EQ(readerError(r, "{\"a\\nb\": 1}"),
            "\"a\\nb\": unknown field (see the README for clinical.json)");
}

TEST(JsonInputReaders, PlanJsonFieldsOfTheWrongTypeOrRangeAreNamed)
{
  const Reader& r = readers()[2];
  EXPECT_EQ(readerError(r, R"({"plans": [{"name": 3, "segments": [2]}]})"),
            "plans[0].name: must be a string, not number");
  // 2.5 was truncated to segment 2.
  EXPECT_EQ(readerError(r, R"({"plans": [{"segments": [2.5]}]})"),
            "plans[0].segments[0]: must be an integer, not 2.5");
  EXPECT_EQ(readerError(r, R"({"plans": [{"ablations": [{"lesion": 1e300}]}]})"),
            "plans[0].ablations[0].lesion: must be an integer, not 1e+300");
  EXPECT_EQ(
    readerError(r, R"({"plans": [{"planes": [{"pointLpsMm": [0, 0], "normal": [1, 0, 0]}]}]})"),
    "plans[0].planes[0].pointLpsMm: must be 3 numbers [x, y, z], not [0,0]");
  EXPECT_EQ(readerError(r, R"({"plans": [{"wedges": [{"lesions": [1], "marginMm": "5"}]}]})"),
            "plans[0].wedges[0].marginMm: must be a number, not string");
  EXPECT_EQ(readerError(r, R"({"plans": [{"withCaudate": "yes", "segments": [2]}]})"),
            "plans[0].withCaudate: must be true or false, not string");
  EXPECT_EQ(readerError(r, R"({"plans": [{"wedges": [{}]}]})"),
            "plans[0].wedges[0].lesions: missing");
  EXPECT_EQ(readerError(r, R"({"plans": [7]})"), "plans[0]: must be an object, not number");
}

TEST(JsonInputReaders, LandmarksJsonValuesInMessagesAreCut)
{
  const Reader& r = readers()[3];
  EXPECT_EQ(readerError(r, "{\"coordinates\": \"" + std::string(5000, 'x') + "\"}"),
            "landmarks: \"coordinates\" must be \"LPS\", got \"" + std::string(63, 'x') + "...");
  EXPECT_EQ(readerError(r, "[]"), "landmarks: the top level must be a JSON object");
}

TEST(JsonInputReaders, ReviewLogFieldsOfTheWrongTypeAreNamed)
{
  const Reader& r = readers()[4];
  // "kind" a number threw nlohmann's type_error from json::value().
  EXPECT_EQ(readerError(r, R"({"kind": 3})"),
            "kind: must be \"liverplan-edit-log\" (an edits.json of `view`)");
  const std::string edited =
    R"({"kind": "liverplan-edit-log", "review": {"status": "edited", "reviewedBy": "Dr A",
        "reviewedAt": "2026-12-06", "liver": "edited", "lesions": "automatic",
        "segments": "none", "edits": {"operations": OPS, "liverAddedMl": 1,
        "liverRemovedMl": 0, "tumourAddedMl": 0, "tumourRemovedMl": 0, "lesionsAdded": 0,
        "lesionsRemoved": 0}}})";
  const auto withOperations = [&](const std::string& ops)
  {
    std::string text = edited;
    text.replace(text.find("OPS"), 3, ops);
    return text;
  };
  EXPECT_EQ(readerError(r, withOperations("1e300")),
            "review.edits.operations: must be an integer >= 0, not 1e+300");
  EXPECT_EQ(readerError(r, withOperations("2.5")),
            "review.edits.operations: must be an integer >= 0, not 2.5");
  EXPECT_EQ(readerError(r, withOperations("\"3\"")),
            "review.edits.operations: must be a number >= 0");
}

TEST(JsonInputReaders, BatchStatusRowsOfTheWrongTypeAreNamed)
{
  const std::string dir = liver::test::makeTempDir("json-input-batch");
  fs::create_directories(dir + "/1.2.3");
  const auto statusError = [&](const std::string& text)
  {
    std::ofstream(dir + "/1.2.3/status.json") << text;
    return errorOf<InputError>([&] { liver::pipeline::completedStudies(dir); });
  };
  const std::string file = dir + "/1.2.3/status.json: ";
  EXPECT_EQ(statusError(R"({"status": "ok"})"),
            file + "studyInstanceUid: missing (not a batch status file)");
  // studyInstanceUid a number threw nlohmann's type_error text.
  EXPECT_EQ(statusError(R"({"studyInstanceUid": 1})"),
            file + "studyInstanceUid: must be a string, not number (not a batch status file)");
  EXPECT_EQ(statusError(R"({"studyInstanceUid": "1.2.3", "plans": [{"flrPercent": 30}]})"),
            file + "plans[0].flrPercent: must be a string, not number (not a batch status file)");
  EXPECT_EQ(statusError(R"({"studyInstanceUid": "1.2.3", "peakRssMiB": 1e300})"),
            file + "peakRssMiB: must be an integer from 0 to 2147483647, not 1e+300 (not a batch "
                   "status file)");
  EXPECT_EQ(statusError(""), file + "empty (not a batch status file)");
  EXPECT_EQ(liver::pipeline::studyStatus(dir, "1.2.3"), std::nullopt);
  std::ofstream(dir + "/1.2.3/status.json") << R"({"studyInstanceUid": "1.2.3", "status": "ok"})";
  EXPECT_EQ(liver::pipeline::completedStudies(dir).at("1.2.3").at("status"), "ok");
}

TEST(JsonInputReaders, PacsAnswersAreRefusedAsTheServersFault)
{
  const std::string url = "http://pacs/dicom-web/studies/1.2.3";
  const auto stowError = [&](const std::string& body)
  { return errorOf<ProcessingError>([&] { liver::pacs::parseStowAnswer(body, 200, 3, url); }); };
  EXPECT_EQ(stowError("{\"a\": " + nested(200000) + "}"),
            url + ": nested deeper than 64 levels (not a PACS answer)");
  EXPECT_EQ(stowError("{\"a\": \"" + std::string(5000, 'x')),
            url + ": not JSON (line 1, column 5008: syntax error while parsing value - invalid "
                  "string: missing closing quote)");
}
