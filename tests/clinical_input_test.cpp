/// liver::model's clinical inputs besides clinical.json: the command-line flags over a
/// clinical.json (clinical_flags.h) and the batch's clinical CSV (clinical_csv.h), with their exact
/// one-line errors naming the file, the line, the flag or the field.

#include "test_support.h"

#include <liver/imaging/errors.h>
#include <liver/model/clinical_csv.h>
#include <liver/model/clinical_flags.h>
#include <liver/model/clinical_json.h>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace
{

using liver::Clinical;
using liver::InputError;
using nlohmann::json;
namespace model = liver::model;

std::string flagError(const model::ClinicalFlagValues& flags)
{
  return liver::test::errorOf<std::invalid_argument>(
    [&] { model::applyClinicalFlags(Clinical{}, flags); });
}

model::ClinicalTable csv(const std::string& text)
{
  std::istringstream in(text);
  return model::parseClinicalCsv(in, "c.csv");
}

std::string csvError(const std::string& text)
{
  return liver::test::errorOf<InputError>([&] { csv(text); });
}

} // namespace

TEST(ClinicalFlags, OneFlagPerClinicalField)
{
  const std::vector<model::ClinicalFlag> flags = model::clinicalFlags();
  std::set<std::string> names, undeclared;
  for (const model::ClinicalFlag& f : flags)
  {
    EXPECT_EQ(f.name.rfind("--", 0), 0u) << f.name;
    names.insert(f.name);
    if (f.help.empty())
      undeclared.insert(f.name);
  }
  EXPECT_EQ(names.size(), flags.size()); // no flag twice
  // The commands declare these with their body options.
  EXPECT_EQ(undeclared, (std::set<std::string>{ "--height", "--weight", "--liver-condition" }));
  // As many flags as clinical.json has fields (30; ClinicalSchema.MatchesTheCode holds the keys).
  EXPECT_EQ(flags.size(), 30u);
  EXPECT_EQ(flags[3].name, "--primary");
  EXPECT_EQ(flags[3].help, "Primary tumour: colorectal, breast, neuroendocrine, other");
}

TEST(ClinicalFlags, FlagsOverrideTheClinicalJson)
{
  const Clinical file = model::parseClinicalJson(
    R"({"primaryTumour": "colorectal", "ecog": 1, "liverCondition": "cirrhosis", "ras": "wild-type"})",
    "clinical.json");
  const Clinical c = model::applyClinicalFlags(file,
                                               { { "--ecog", "3" },
                                                 { "--cea", "12.5" },
                                                 { "--synchronous", "yes" },
                                                 { "--node-positive", "0" },
                                                 { "--ras", "mutated" },
                                                 { "--height", "170.000000" },
                                                 { "--liver-condition", "unknown" },
                                                 { "--metastases", "4" },
                                                 { "--sex", "" } }); // "" = not given
  EXPECT_EQ(c.primaryTumour, liver::PrimaryTumour::Colorectal);      // from the file
  EXPECT_EQ(c.ecog, 3);
  EXPECT_EQ(c.ceaNgMl, 12.5);
  EXPECT_EQ(c.synchronous, true);
  EXPECT_EQ(c.nodePositivePrimary, false);
  EXPECT_EQ(c.ras, liver::MutationStatus::Mutated);
  EXPECT_EQ(c.heightCm, 170.0);
  EXPECT_FALSE(c.liverCondition.has_value()); // "unknown" is not given, over the file's value
  EXPECT_EQ(c.numberOfMetastases, 4);
  EXPECT_FALSE(c.sex.has_value());
  EXPECT_EQ(
    model::applyClinicalFlags(Clinical{}, { { "--liver-condition", "steatosis" } }).liverCondition,
    liver::LiverCondition::Steatosis);
}

TEST(ClinicalFlags, BadTextNamesTheFlag)
{
  EXPECT_EQ(flagError({ { "--ecog", "2.5" } }), "--ecog: '2.5' is not an integer");
  EXPECT_EQ(flagError({ { "--ecog", "1e10" } }), "--ecog: '1e10' is not an integer");
  EXPECT_EQ(flagError({ { "--cea", "12mg" } }), "--cea: '12mg' is not a number");
  EXPECT_EQ(flagError({ { "--weight", "heavy" } }), "--weight: 'heavy' is not a number");
  EXPECT_EQ(flagError({ { "--synchronous", "maybe" } }),
            "--synchronous: 'maybe' must be yes or no");
  EXPECT_EQ(flagError({ { "--braf", "v600e" } }),
            "--braf: unknown mutation status 'v600e'; accepted values: wild-type, mutated");
  EXPECT_EQ(flagError({ { "--shoe-size", "42" } }), "--shoe-size: unknown clinical flag");
}

TEST(ClinicalFlags, AbsurdValuesAreRefusedAsFlags)
{
  EXPECT_EQ(flagError({ { "--ecog", "9" } }),
            "clinical flags: ecog: 9 is outside 0..4 (ECOG performance status)");
  EXPECT_EQ(flagError({ { "--height", "17" } }),
            "clinical flags: heightCm: 17 is outside 50..250 cm");
  EXPECT_EQ(flagError({ { "--cea", "-1" } }),
            "clinical flags: ceaNgMl: -1 ng/mL is not a valid CEA (must be >= 0)");
}

TEST(ClinicalFlags, ResolveReadsTheFileThenTheFlags)
{
  const std::string dir = liver::test::makeTempDir("clinical-flags");
  std::ofstream(dir + "/clinical.json") << R"({"ecog": 2, "ceaNgMl": 4})";
  const Clinical c = model::resolveClinical(dir + "/clinical.json", { { "--ecog", "0" } });
  EXPECT_EQ(c.ecog, 0);
  EXPECT_EQ(c.ceaNgMl, 4.0);
  EXPECT_EQ(model::resolveClinical("", {}).ecog, std::nullopt);
  EXPECT_EQ(
    liver::test::errorOf<InputError>([&] { model::resolveClinical(dir + "/absent.json", {}); }),
    dir + "/absent.json: cannot read the clinical file (No such file or directory)");
  std::ofstream(dir + "/bad.json") << R"({"ecog": "two"})";
  EXPECT_EQ(
    liver::test::errorOf<InputError>([&] { model::resolveClinical(dir + "/bad.json", {}); }),
    dir + "/bad.json: ecog: must be an integer, not string");
}

TEST(ClinicalCsv, RowsAsClinicalJsonByKey)
{
  const model::ClinicalTable t =
    csv("PatientID,heightCm,weightKg,primaryTumour,synchronous,comment\r\n"
        "P1,170,70.5,colorectal,yes,\"lobe 7, \"\"large\"\"\"\r\n"
        "\r\n"
        "P2,,,breast,false,\n");
  EXPECT_EQ(t.keyColumn, "PatientID");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows.at("P1"),
            json::parse(R"({"heightCm": 170, "weightKg": 70.5, "primaryTumour": "colorectal",
                            "synchronous": true, "comment": "lobe 7, \"large\""})"));
  EXPECT_EQ(t.rows.at("P2"), json::parse(R"({"primaryTumour": "breast", "synchronous": false})"));
  const model::ClinicalTable byStudy = csv("ecog,StudyInstanceUID\n1,1.2.3\n");
  EXPECT_EQ(byStudy.keyColumn, "StudyInstanceUID");
  EXPECT_EQ(byStudy.rows.at("1.2.3"), json::parse(R"({"ecog": 1})"));
  EXPECT_TRUE(csv("PatientID,ecog\n").rows.empty());
}

TEST(ClinicalCsv, ErrorsNameTheFileTheLineAndTheField)
{
  EXPECT_EQ(csvError(""), "c.csv: empty clinical CSV (needs a header row)");
  EXPECT_EQ(csvError("name,ecog\nX,1\n"),
            "c.csv: header: needs a StudyInstanceUID or PatientID column");
  EXPECT_EQ(csvError("PatientID,ecog,ageYears\nX,1,60\nY,2\n"),
            "c.csv: line 3: 2 cells, the header has 3");
  EXPECT_EQ(csvError("PatientID,ecog\nX,1\n\nX,2\n"), "c.csv: line 4: PatientID 'X' appears twice");
  EXPECT_EQ(csvError("PatientID,shoeSize\nX,42\n"),
            "c.csv line 2: shoeSize: unknown field (see the README for clinical.json)");
  // The first key column is the key; another one is a column like the others (README).
  EXPECT_EQ(csvError("StudyInstanceUID,PatientID\n1.2.3,P1\n"),
            "c.csv line 2: PatientID: unknown field (see the README for clinical.json)");
  EXPECT_EQ(csvError("PatientID,ecog\nX,7\n"),
            "c.csv line 2: ecog: 7 is outside 0..4 (ECOG performance status)");
  EXPECT_EQ(csvError("PatientID,ecog\nX,yes\n"),
            "c.csv line 2: ecog: must be an integer, not boolean");
  // Not numbers (they were written as null, "not given", without a word).
  EXPECT_EQ(csvError("PatientID,heightCm\nX,nan\n"),
            "c.csv line 2: heightCm: must be a number, not string");
  EXPECT_EQ(csvError("PatientID,ceaNgMl\nX,inf\n"),
            "c.csv line 2: ceaNgMl: must be a number, not string");
  EXPECT_EQ(csvError("PatientID,primaryTumour\nX,\xff\n"), "c.csv: line 2: not valid UTF-8 text");
  EXPECT_EQ(liver::test::errorOf<InputError>([] { model::loadClinicalCsv("/nonexistent/c.csv"); }),
            "/nonexistent/c.csv: cannot open the clinical CSV");
}
