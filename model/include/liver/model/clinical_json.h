#pragma once
/// clinical.json (schema docs/schemas/clinical.schema.json): the one reader and writer of the
/// patient's clinical data (liver::Clinical) as JSON.

#include <liver/planning/clinical.h>

#include <nlohmann/json.hpp>

#include <string>

namespace liver::model
{

/// Parse clinical.json text: an object whose keys are the Clinical fields (README); null means
/// "not given"; "comment" is ignored. InputError naming `file` and the field for malformed JSON,
/// an unknown key, a wrong type, an unknown name or an absurd value (validateClinical).
Clinical parseClinicalJson(const std::string& text, const std::string& file);

/// parseClinicalJson on an already parsed object.
Clinical clinicalFromJson(const nlohmann::json& json, const std::string& file);

/// Read and parse a clinical.json file; InputError naming the file when it cannot be read.
Clinical loadClinicalFile(const std::string& path);

/// The Clinical fields that are given, as clinical.json (parseClinicalJson reads it back).
nlohmann::json clinicalJson(const Clinical& clinical);

} // namespace liver::model
