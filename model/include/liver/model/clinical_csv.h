#pragma once
/// The clinical CSV of `batch --clinical-csv` (README): clinical.json fields per study.

#include <nlohmann/json.hpp>

#include <istream>
#include <map>
#include <string>

namespace liver::model
{

/// Clinical values per study from a CSV keyed by StudyInstanceUID or PatientID.
struct ClinicalTable
{
  std::string keyColumn;                      ///< "StudyInstanceUID" or "PatientID"
  std::map<std::string, nlohmann::json> rows; ///< clinical.json of each key
};

/// Read a clinical CSV: a header row with a StudyInstanceUID or PatientID key column (the first of
/// them), every other column a clinical.json field; cells may be double-quoted ("" is a quote). A
/// cell is a number when it reads whole as a finite one, true for true/yes, false for false/no,
/// text otherwise; an empty cell is not given. Each row is checked like a clinical.json. InputError
/// naming `file`, the line and the field: no header, no key column, a row with another number of
/// cells, a key given twice, text that is not UTF-8, or a bad clinical value.
ClinicalTable parseClinicalCsv(std::istream& in, const std::string& file);

/// parseClinicalCsv of the file at `path`; InputError naming it when it cannot be opened.
ClinicalTable loadClinicalCsv(const std::string& path);

} // namespace liver::model
