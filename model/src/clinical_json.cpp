#include <liver/model/clinical_json.h>

#include "clinical_fields.h"

#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>

#include <algorithm>

namespace liver::model
{

using Json = nlohmann::json;
using detail::ClinicalField;
using detail::clinicalFields;

namespace
{
constexpr const char* ClinicalKind = "clinical file";
}

Clinical parseClinicalJson(const std::string& text, const std::string& file)
{
  return clinicalFromJson(parseJsonInput(text, file, ClinicalKind), file);
}

Clinical clinicalFromJson(const Json& root, const std::string& file)
{
  if (!root.is_object())
    throw InputError(
      file, std::string("must be a JSON object of clinical fields, not ") + root.type_name());
  Clinical c;
  for (const auto& item : root.items())
  {
    if (item.key() == "comment")
    {
      if (!item.value().is_string() && !item.value().is_null())
        throw InputError(file, "comment: must be a string");
      continue;
    }
    const auto& fields = clinicalFields();
    const auto field = std::find_if(
      fields.begin(), fields.end(), [&](const ClinicalField& f) { return item.key() == f.key; });
    if (field == fields.end())
      throw InputError(
        file, jsonKeyName(item.key()) + ": unknown field (see the README for clinical.json)");
    if (item.value().is_null())
      continue;
    field->readJson(item.value(), c, file);
  }
  try
  {
    validateClinical(c);
  }
  catch (const std::invalid_argument& e)
  {
    throw InputError(file, e.what());
  }
  return c;
}

Clinical loadClinicalFile(const std::string& path)
{
  return parseClinicalJson(readJsonInputFile(path, ClinicalKind, MaxSmallJsonFileBytes), path);
}

Json clinicalJson(const Clinical& clinical)
{
  Json j = Json::object();
  for (const ClinicalField& f : clinicalFields())
  {
    Json v = f.write(clinical);
    if (!v.is_null())
      j[f.key] = v;
  }
  return j;
}

} // namespace liver::model
