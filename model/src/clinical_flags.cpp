#include <liver/model/clinical_flags.h>

#include "clinical_fields.h"

#include <liver/model/clinical_json.h>

#include <algorithm>
#include <stdexcept>

namespace liver::model
{

using detail::ClinicalField;
using detail::clinicalFields;

std::vector<ClinicalFlag> clinicalFlags()
{
  std::vector<ClinicalFlag> flags;
  for (const ClinicalField& f : clinicalFields())
    flags.push_back({ f.flag, f.help });
  return flags;
}

Clinical applyClinicalFlags(Clinical clinical, const ClinicalFlagValues& flags)
{
  const auto& fields = clinicalFields();
  for (const auto& [name, text] : flags)
    if (std::none_of(fields.begin(),
                     fields.end(),
                     [&name = name](const ClinicalField& f) { return name == f.flag; }))
      throw std::invalid_argument(name + ": unknown clinical flag");
  for (const ClinicalField& f : fields)
  {
    const auto given = flags.find(f.flag);
    if (given != flags.end() && !given->second.empty())
      f.readFlag(given->second, clinical);
  }
  try
  {
    validateClinical(clinical);
  }
  catch (const std::invalid_argument& e)
  {
    // A clinical.json alone passes validation when it is read: the value came from a flag.
    throw std::invalid_argument(std::string("clinical flags: ") + e.what());
  }
  return clinical;
}

Clinical resolveClinical(const std::string& clinicalFile, const ClinicalFlagValues& flags)
{
  return applyClinicalFlags(clinicalFile.empty() ? Clinical{} : loadClinicalFile(clinicalFile),
                            flags);
}

} // namespace liver::model
