#include <liver/model/clinical_csv.h>

#include <liver/imaging/errors.h>
#include <liver/model/clinical_json.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace liver::model
{

namespace
{

std::vector<std::string> splitCsvLine(const std::string& line)
{
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i)
  {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      cells.back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      cells.emplace_back();
    else if (c != '\r')
      cells.back() += c;
  }
  return cells;
}

/// A cell as a clinical.json value: a finite number, true/yes, false/no, or the text. "nan" and
/// "inf" stay text: as numbers they would be written as null, "not given", without a word.
nlohmann::json cellJson(const std::string& cell)
{
  char* end = nullptr;
  const double number = std::strtod(cell.c_str(), &end);
  if (end && *end == '\0' && std::isfinite(number))
    return number;
  if (cell == "true" || cell == "yes")
    return true;
  if (cell == "false" || cell == "no")
    return false;
  return cell;
}

} // namespace

ClinicalTable parseClinicalCsv(std::istream& in, const std::string& file)
{
  std::string line;
  if (!std::getline(in, line))
    throw InputError(file, "empty clinical CSV (needs a header row)");
  const std::vector<std::string> header = splitCsvLine(line);
  ClinicalTable table;
  std::size_t key = header.size();
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == "StudyInstanceUID" || header[c] == "PatientID")
    {
      key = c;
      table.keyColumn = header[c];
      break;
    }
  if (key == header.size())
    throw InputError(file, "header: needs a StudyInstanceUID or PatientID column");
  std::size_t lineNumber = 1;
  while (std::getline(in, line))
  {
    ++lineNumber;
    if (line.empty() || line == "\r")
      continue;
    const std::string where = "line " + std::to_string(lineNumber);
    const std::vector<std::string> cells = splitCsvLine(line);
    if (cells.size() != header.size())
      throw InputError(file,
                       where + ": " + std::to_string(cells.size()) + " cells, the header has " +
                         std::to_string(header.size()));
    auto& row = table.rows[cells[key]];
    if (!row.empty())
      throw InputError(file,
                       where + ": " + table.keyColumn + " '" + cells[key] + "' appears twice");
    // The row as clinical.json, checked like clinical.json.
    nlohmann::json clinical = nlohmann::json::object();
    for (std::size_t c = 0; c < header.size(); ++c)
      if (c != key && !cells[c].empty())
        clinical[header[c]] = cellJson(cells[c]);
    std::string text;
    try
    {
      text = clinical.dump();
    }
    catch (const nlohmann::json::type_error&) // found by fuzzing: it escaped as exit code 3
    {
      throw InputError(file, where + ": not valid UTF-8 text");
    }
    parseClinicalJson(text, file + " " + where);
    row = clinical;
  }
  return table;
}

ClinicalTable loadClinicalCsv(const std::string& path)
{
  std::ifstream in(path);
  if (!in)
    throw InputError(path, "cannot open the clinical CSV");
  return parseClinicalCsv(in, path);
}

} // namespace liver::model
