#include <liver/model/clinical_json.h>

#include "clinical_fields.h"

#include <liver/imaging/errors.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace liver::model
{

using Json = nlohmann::json;
using detail::ClinicalField;
using detail::clinicalFields;

Clinical parseClinicalJson(const std::string& text, const std::string& file)
{
  Json root;
  try
  {
    root = Json::parse(text);
  }
  catch (const Json::exception& e) // syntax errors and numbers too large for a double
  {
    std::string what = e.what();
    const auto colon = what.find("]: ");
    throw InputError(
      file, "malformed JSON: " + (colon == std::string::npos ? what : what.substr(colon + 3)));
  }
  return clinicalFromJson(root, file);
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
      throw InputError(file, item.key() + ": unknown field (see the README for clinical.json)");
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
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot read the clinical file");
  std::ostringstream text;
  text << in.rdbuf();
  return parseClinicalJson(text.str(), path);
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
