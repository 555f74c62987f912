#pragma once
/// The clinical fields, one row each: the clinical.json key and how it reads and writes the JSON
/// value, and the command-line flag and how it reads the typed text. clinical.json
/// (clinical_json.cpp), the flags (clinical_flags.cpp) and the batch CSV (clinical_csv.cpp) all
/// go through this table.

#include <liver/planning/clinical.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace liver::model::detail
{

struct ClinicalField
{
  const char* key;  ///< clinical.json key ("primaryTumour")
  const char* flag; ///< command-line flag ("--primary")
  std::string help; ///< the flag's help text; empty where the commands declare the flag themselves
  /// Set the field from its (non-null) clinical.json value; InputError naming `file` and the key.
  std::function<void(const nlohmann::json&, Clinical&, const std::string& file)> readJson;
  /// Set the field from the flag's text; std::invalid_argument naming the flag and the text.
  std::function<void(const std::string& text, Clinical&)> readFlag;
  /// The field as a clinical.json value, null when not given.
  std::function<nlohmann::json(const Clinical&)> write;
};

/// Every clinical field, in the order the flags are applied and listed in the help.
const std::vector<ClinicalField>& clinicalFields();

} // namespace liver::model::detail
