#include <liver/planning/clinical.h>

#include <liver/imaging/json_input.h>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace liver
{

namespace
{

/// One enumeration's names: the first name of each value is canonical, later ones are aliases.
template<typename E>
using NameTable = std::vector<std::pair<E, std::vector<std::string>>>;

template<typename E>
E parseName(const NameTable<E>& table, const std::string& what, const std::string& name)
{
  for (const auto& [value, names] : table)
    for (const std::string& n : names)
      if (n == name)
        return value;
  std::string accepted;
  for (const auto& entry : table)
    accepted += (accepted.empty() ? "" : ", ") + entry.second.front();
  throw std::invalid_argument("unknown " + what + " '" + messageText(name) +
                              "'; accepted values: " + accepted);
}

template<typename E>
std::string nameOf(const NameTable<E>& table, E value)
{
  for (const auto& [v, names] : table)
    if (v == value)
      return names.front();
  return "?";
}

template<typename E>
std::vector<std::string> namesOf(const NameTable<E>& table)
{
  std::vector<std::string> names;
  for (const auto& entry : table)
    names.push_back(entry.second.front());
  return names;
}

const NameTable<Sex>& sexTable()
{
  static const NameTable<Sex> t = { { Sex::Female, { "female" } }, { Sex::Male, { "male" } } };
  return t;
}

const NameTable<PrimaryTumour>& primaryTable()
{
  static const NameTable<PrimaryTumour> t = { { PrimaryTumour::Colorectal, { "colorectal" } },
                                              { PrimaryTumour::Breast, { "breast" } },
                                              { PrimaryTumour::Neuroendocrine,
                                                { "neuroendocrine", "net" } },
                                              { PrimaryTumour::Other, { "other" } } };
  return t;
}

const NameTable<ExtrahepaticDisease>& extrahepaticTable()
{
  static const NameTable<ExtrahepaticDisease> t = {
    { ExtrahepaticDisease::None, { "none" } },
    { ExtrahepaticDisease::Controlled, { "controlled" } },
    { ExtrahepaticDisease::Uncontrolled, { "uncontrolled" } },
    { ExtrahepaticDisease::IsolatedBoneRadiotherapy, { "isolated-bone-radiotherapy" } },
    { ExtrahepaticDisease::SolitaryPulmonary, { "solitary-pulmonary" } }
  };
  return t;
}

const NameTable<ChemotherapyStatus>& chemoStatusTable()
{
  static const NameTable<ChemotherapyStatus> t = { { ChemotherapyStatus::None, { "none" } },
                                                   { ChemotherapyStatus::Ongoing, { "ongoing" } },
                                                   { ChemotherapyStatus::Completed,
                                                     { "completed" } } };
  return t;
}

const NameTable<ChemotherapyResponse>& chemoResponseTable()
{
  static const NameTable<ChemotherapyResponse> t = {
    { ChemotherapyResponse::Complete, { "complete" } },
    { ChemotherapyResponse::Partial, { "partial", "responding" } },
    { ChemotherapyResponse::Stable, { "stable" } },
    { ChemotherapyResponse::Progressing, { "progressing" } }
  };
  return t;
}

const NameTable<MmrStatus>& mmrTable()
{
  static const NameTable<MmrStatus> t = {
    { MmrStatus::Proficient, { "proficient", "pMMR", "MSS" } },
    { MmrStatus::Deficient, { "deficient", "dMMR", "MSI-H" } }
  };
  return t;
}

const NameTable<MutationStatus>& mutationTable()
{
  static const NameTable<MutationStatus> t = { { MutationStatus::WildType, { "wild-type" } },
                                               { MutationStatus::Mutated, { "mutated" } } };
  return t;
}

const NameTable<Sidedness>& sidednessTable()
{
  static const NameTable<Sidedness> t = { { Sidedness::Left, { "left", "rectum" } },
                                          { Sidedness::Right, { "right" } } };
  return t;
}

const NameTable<ReceptorStatus>& receptorTable()
{
  static const NameTable<ReceptorStatus> t = { { ReceptorStatus::Negative, { "negative" } },
                                               { ReceptorStatus::Positive, { "positive" } } };
  return t;
}

std::string number(double value)
{
  std::ostringstream s;
  s << value;
  return s.str();
}

void checkRange(const std::optional<double>& value,
                const char* field,
                double low,
                double high,
                const char* unit)
{
  if (!value)
    return;
  if (!std::isfinite(*value) || *value < low || *value > high)
    throw std::invalid_argument(std::string(field) + ": " + number(*value) + " is outside " +
                                number(low) + ".." + number(high) + " " + unit);
}

} // namespace

void validateClinical(const Clinical& c)
{
  checkRange(c.heightCm, "heightCm", 50.0, 250.0, "cm");
  checkRange(c.weightKg, "weightKg", 20.0, 350.0, "kg");
  checkRange(c.ageYears, "ageYears", 0.0, 120.0, "years");
  if (c.ecog)
    checkRange(static_cast<double>(*c.ecog), "ecog", 0.0, 4.0, "(ECOG performance status)");
  if (c.ceaNgMl && (!std::isfinite(*c.ceaNgMl) || *c.ceaNgMl < 0.0))
    throw std::invalid_argument("ceaNgMl: " + number(*c.ceaNgMl) +
                                " ng/mL is not a valid CEA (must be >= 0)");
  checkRange(c.ceaNgMl, "ceaNgMl", 0.0, 1.0e6, "ng/mL");
  checkRange(c.diseaseFreeIntervalMonths, "diseaseFreeIntervalMonths", 0.0, 600.0, "months");
  checkRange(c.chemotherapyWeeks, "chemotherapyWeeks", 0.0, 520.0, "weeks");
  if (c.netGrade)
    checkRange(static_cast<double>(*c.netGrade), "netGrade", 1.0, 3.0, "(WHO grade)");
  if (c.numberOfMetastases)
    checkRange(
      static_cast<double>(*c.numberOfMetastases), "numberOfMetastases", 0.0, 1000.0, "lesions");
}

bool chemotherapyGiven(const Clinical& c)
{
  if (!c.chemotherapyStatus)
    return c.chemotherapyWeeks && *c.chemotherapyWeeks > 0.0;
  return *c.chemotherapyStatus == ChemotherapyStatus::Ongoing ||
         *c.chemotherapyStatus == ChemotherapyStatus::Completed;
}

bool chemotherapyExposedLiver(const Clinical& c)
{
  return chemotherapyGiven(c) &&
         (!c.chemotherapyWeeks || *c.chemotherapyWeeks > ChemotherapyInjuryWeeks);
}

LiverCondition thresholdLiverCondition(const Clinical& c, LiverCondition given)
{
  if ((given == LiverCondition::Normal || given == LiverCondition::Unknown) &&
      chemotherapyExposedLiver(c))
    return LiverCondition::Chemotherapy;
  return given;
}

Sex parseSex(const std::string& name)
{
  return parseName(sexTable(), "sex", name);
}
PrimaryTumour parsePrimaryTumour(const std::string& name)
{
  return parseName(primaryTable(), "primary tumour", name);
}
ExtrahepaticDisease parseExtrahepaticDisease(const std::string& name)
{
  return parseName(extrahepaticTable(), "extrahepatic disease", name);
}
ChemotherapyStatus parseChemotherapyStatus(const std::string& name)
{
  return parseName(chemoStatusTable(), "chemotherapy status", name);
}
ChemotherapyResponse parseChemotherapyResponse(const std::string& name)
{
  return parseName(chemoResponseTable(), "chemotherapy response", name);
}
MmrStatus parseMmrStatus(const std::string& name)
{
  return parseName(mmrTable(), "MMR status", name);
}
MutationStatus parseMutationStatus(const std::string& name)
{
  return parseName(mutationTable(), "mutation status", name);
}
Sidedness parseSidedness(const std::string& name)
{
  return parseName(sidednessTable(), "sidedness", name);
}
ReceptorStatus parseReceptorStatus(const std::string& name)
{
  return parseName(receptorTable(), "receptor status", name);
}

std::string toString(Sex value)
{
  return nameOf(sexTable(), value);
}
std::string toString(PrimaryTumour value)
{
  return nameOf(primaryTable(), value);
}
std::string toString(ExtrahepaticDisease value)
{
  return nameOf(extrahepaticTable(), value);
}
std::string toString(ChemotherapyStatus value)
{
  return nameOf(chemoStatusTable(), value);
}
std::string toString(ChemotherapyResponse value)
{
  return nameOf(chemoResponseTable(), value);
}
std::string toString(MmrStatus value)
{
  return nameOf(mmrTable(), value);
}
std::string toString(MutationStatus value)
{
  return nameOf(mutationTable(), value);
}
std::string toString(Sidedness value)
{
  return nameOf(sidednessTable(), value);
}
std::string toString(ReceptorStatus value)
{
  return nameOf(receptorTable(), value);
}

std::vector<std::string> sexNames()
{
  return namesOf(sexTable());
}
std::vector<std::string> primaryTumourNames()
{
  return namesOf(primaryTable());
}
std::vector<std::string> extrahepaticDiseaseNames()
{
  return namesOf(extrahepaticTable());
}
std::vector<std::string> chemotherapyStatusNames()
{
  return namesOf(chemoStatusTable());
}
std::vector<std::string> chemotherapyResponseNames()
{
  return namesOf(chemoResponseTable());
}
std::vector<std::string> mmrStatusNames()
{
  return namesOf(mmrTable());
}
std::vector<std::string> mutationStatusNames()
{
  return namesOf(mutationTable());
}
std::vector<std::string> sidednessNames()
{
  return namesOf(sidednessTable());
}
std::vector<std::string> receptorStatusNames()
{
  return namesOf(receptorTable());
}

} // namespace liver
