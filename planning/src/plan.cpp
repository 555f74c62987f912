#include <liver/imaging/errors.h>
#include <liver/imaging/json_input.h>
#include <liver/planning/plan.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace liver
{
namespace
{

/// Brisbane 2000 resections and the Couinaud segments each removes (DESIGN.md §3 Anatomy).
const std::vector<std::pair<std::string, std::vector<int>>>& brisbaneTable()
{
  static const std::vector<std::pair<std::string, std::vector<int>>> table = {
    { "right-hemihepatectomy", { 5, 6, 7, 8 } },
    { "extended-right-hemihepatectomy", { 4, 5, 6, 7, 8 } },
    { "right-trisectionectomy", { 4, 5, 6, 7, 8 } },
    { "left-hemihepatectomy", { 2, 3, 4 } },
    { "extended-left-hemihepatectomy", { 2, 3, 4, 5, 8 } },
    { "left-trisectionectomy", { 2, 3, 4, 5, 8 } },
    { "left-lateral-sectionectomy", { 2, 3 } },
    { "right-anterior-sectionectomy", { 5, 8 } },
    { "right-posterior-sectionectomy", { 6, 7 } },
    { "central-hepatectomy", { 4, 5, 8 } },
    { "caudate-lobectomy", { 1 } },
  };
  return table;
}

std::string trim(const std::string& s)
{
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string lower(std::string s)
{
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(const std::string& s, char separator)
{
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, separator))
    parts.push_back(trim(part));
  if (!s.empty() && s.back() == separator)
    parts.push_back("");
  return parts;
}

[[noreturn]] void badPart(const std::string& part, const std::string& problem)
{
  throw std::invalid_argument("plan part \"" + messageText(part) + "\": " + problem);
}

double parseNumber(const std::string& text, const std::string& part, const std::string& what)
{
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
    badPart(part, what + " \"" + messageText(text) + "\" is not a number");
  return value;
}

int parseInteger(const std::string& text, const std::string& part, const std::string& what)
{
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || value < -1000000 || value > 1000000)
    badPart(part, what + " \"" + messageText(text) + "\" is not an integer");
  return static_cast<int>(value);
}

std::vector<int> parseIntegers(const std::string& list,
                               const std::string& part,
                               const std::string& what)
{
  std::vector<int> values;
  for (const std::string& item : split(list, ','))
    values.push_back(parseInteger(item, part, what));
  if (values.empty())
    badPart(part, "no " + what + " given");
  return values;
}

std::array<double, 3> parseVector(const std::string& text, const std::string& part)
{
  const std::vector<std::string> items = split(text, ',');
  if (items.size() != 3)
    badPart(part, "\"" + messageText(text) + "\" is not x,y,z");
  return { parseNumber(items[0], part, "coordinate"),
           parseNumber(items[1], part, "coordinate"),
           parseNumber(items[2], part, "coordinate") };
}

void addSegments(ResectionPlan& plan, const std::vector<int>& segments)
{
  plan.segments.insert(plan.segments.end(), segments.begin(), segments.end());
  std::sort(plan.segments.begin(), plan.segments.end());
  plan.segments.erase(std::unique(plan.segments.begin(), plan.segments.end()), plan.segments.end());
}

std::string formatNumber(double value)
{
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string joinInts(const std::vector<int>& values)
{
  std::string s;
  for (int v : values)
    s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

void applyPart(ResectionPlan& plan, const std::string& part)
{
  if (part.empty())
    throw std::invalid_argument("empty plan part (two '+' in a row, or a '+' at an end)");
  const auto colon = part.find(':');
  const std::string kind = lower(trim(part.substr(0, colon)));
  const std::string body = colon == std::string::npos ? "" : trim(part.substr(colon + 1));
  if (colon == std::string::npos)
  {
    addSegments(plan, anatomicalSegments(kind));
    return;
  }
  if (kind == "segments" || kind == "segment" || kind == "segmentectomy")
  {
    const std::vector<int> segments = parseIntegers(body, part, "segment");
    for (int s : segments)
      if (s < 1 || s > 8)
        badPart(part, "segment " + std::to_string(s) + " is outside 1..8 (Couinaud)");
    addSegments(plan, segments);
  }
  else if (kind == "wedge" || kind == "ablate")
  {
    const auto at = body.find('@');
    const std::vector<int> ids = parseIntegers(body.substr(0, at), part, "lesion id");
    double marginMm = kind == "wedge" ? DefaultWedgeMarginMm : DefaultAblationMarginMm;
    if (at != std::string::npos)
      marginMm = parseNumber(trim(body.substr(at + 1)), part, "margin");
    if (kind == "wedge")
      plan.wedges.push_back({ ids, marginMm });
    else
      for (int id : ids)
        plan.ablations.push_back({ id, marginMm });
  }
  else if (kind == "plane")
  {
    const std::vector<std::string> halves = split(body, ';');
    if (halves.size() != 2)
      badPart(part, "a plane is \"plane:x,y,z;nx,ny,nz\" (a point and a normal in LPS mm)");
    plan.planes.push_back({ parseVector(halves[0], part), parseVector(halves[1], part) });
  }
  else
    badPart(part,
            "unknown kind \"" + messageText(kind) +
              "\" (use a resection name, segments:, wedge:, ablate: or "
              "plane:)");
}

} // namespace

std::vector<std::string> anatomicalResectionNames()
{
  std::vector<std::string> names;
  for (const auto& [name, segments] : brisbaneTable())
    names.push_back(name);
  return names;
}

std::vector<int> anatomicalSegments(const std::string& nameIn)
{
  std::string name = lower(trim(nameIn));
  bool withCaudate = false;
  for (const std::string suffix : { "-with-caudate", "+caudate" })
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    {
      withCaudate = true;
      name.resize(name.size() - suffix.size());
    }
  std::vector<int> segments;
  const std::string segmentectomy = "segmentectomy-";
  if (name.rfind(segmentectomy, 0) == 0)
  {
    const std::string n = name.substr(segmentectomy.size());
    if (n.size() != 1 || n[0] < '1' || n[0] > '8')
      throw std::invalid_argument("\"" + messageText(nameIn) +
                                  "\": segmentectomy-N needs N in 1..8");
    segments = { n[0] - '0' };
  }
  else
  {
    for (const auto& [known, set] : brisbaneTable())
      if (known == name)
        segments = set;
    if (segments.empty())
    {
      std::string list;
      for (const auto& [known, set] : brisbaneTable())
        list += known + ", ";
      throw std::invalid_argument("unknown resection \"" + messageText(nameIn) + "\" (known: " +
                                  list + "segmentectomy-1..8, each optionally with -with-caudate)");
    }
  }
  if (withCaudate && std::find(segments.begin(), segments.end(), 1) == segments.end())
    segments.insert(segments.begin(), 1);
  return segments;
}

ResectionPlan parsePlanSpec(const std::string& specIn)
{
  std::string spec = trim(specIn);
  ResectionPlan plan;
  const auto equals = spec.find('=');
  if (equals != std::string::npos)
  {
    plan.name = trim(spec.substr(0, equals));
    spec = trim(spec.substr(equals + 1));
    if (plan.name.empty())
      throw std::invalid_argument("plan \"" + messageText(specIn) + "\": empty name before '='");
  }
  if (spec.empty())
    throw std::invalid_argument("empty plan");
  // '+' joins parts, except inside a plane's numbers ("plane:1,+2,3;0,0,1").
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < spec.size(); ++i)
  {
    const char c = spec[i];
    const bool signOfNumber =
      c == '+' && i > 0 &&
      (spec[i - 1] == ',' || spec[i - 1] == ';' || spec[i - 1] == ':' || spec[i - 1] == '@' ||
       spec[i - 1] == 'e' || spec[i - 1] == 'E') &&
      i + 1 < spec.size() &&
      (std::isdigit(static_cast<unsigned char>(spec[i + 1])) || spec[i + 1] == '.');
    if (c == '+' && !signOfNumber)
    {
      parts.push_back(trim(current));
      current.clear();
    }
    else
      current += c;
  }
  parts.push_back(trim(current));
  for (std::size_t i = 0; i < parts.size(); ++i)
  {
    // "NAME+caudate" reads as "NAME-with-caudate".
    if (lower(parts[i]) == "caudate")
    {
      addSegments(plan, { 1 });
      continue;
    }
    try
    {
      applyPart(plan, parts[i]);
    }
    catch (const std::invalid_argument& e)
    {
      throw std::invalid_argument("plan \"" + messageText(specIn) + "\": " + e.what());
    }
  }
  if (plan.name.empty())
    plan.name = spec;
  validatePlan(plan);
  return plan;
}

void validatePlan(const ResectionPlan& plan)
{
  auto fail = [&](const std::string& problem)
  { throw std::invalid_argument("plan \"" + messageText(plan.name) + "\": " + problem); };
  if (plan.segments.empty() && plan.planes.empty() && plan.wedges.empty() && plan.ablations.empty())
    fail("resects nothing (give segments, planes, wedges or ablations)");
  for (int s : plan.segments)
    if (s < 1 || s > 8)
      fail("segment " + std::to_string(s) + " is outside 1..8 (Couinaud)");
  for (const CutPlane& p : plan.planes)
  {
    const double norm =
      std::sqrt(p.normal[0] * p.normal[0] + p.normal[1] * p.normal[1] + p.normal[2] * p.normal[2]);
    bool finite = std::isfinite(norm);
    for (double v : p.pointLpsMm)
      finite = finite && std::isfinite(v);
    if (!finite || norm < 1e-9)
      fail("a plane needs a finite point and a non-zero normal");
  }
  for (const WedgeResection& w : plan.wedges)
  {
    if (w.lesionIds.empty())
      fail("a wedge names no lesion");
    for (int id : w.lesionIds)
      if (id < 1 || id > 65535)
        fail("lesion id " + std::to_string(id) + " is outside 1..65535");
    if (!std::isfinite(w.marginMm) || w.marginMm < 0.0 || w.marginMm > 100.0)
      fail("wedge margin " + formatNumber(w.marginMm) + " mm is outside 0..100 mm");
  }
  for (const Ablation& a : plan.ablations)
  {
    if (a.lesionId < 1 || a.lesionId > 65535)
      fail("lesion id " + std::to_string(a.lesionId) + " is outside 1..65535");
    if (!std::isfinite(a.zoneMarginMm) || a.zoneMarginMm < 0.0 || a.zoneMarginMm > 50.0)
      fail("ablation zone margin " + formatNumber(a.zoneMarginMm) + " mm is outside 0..50 mm");
  }
}

std::string planSpec(const ResectionPlan& plan)
{
  std::vector<std::string> parts;
  if (!plan.segments.empty())
    parts.push_back("segments:" + joinInts(plan.segments));
  for (const CutPlane& p : plan.planes)
    parts.push_back("plane:" + formatNumber(p.pointLpsMm[0]) + "," + formatNumber(p.pointLpsMm[1]) +
                    "," + formatNumber(p.pointLpsMm[2]) + ";" + formatNumber(p.normal[0]) + "," +
                    formatNumber(p.normal[1]) + "," + formatNumber(p.normal[2]));
  for (const WedgeResection& w : plan.wedges)
    parts.push_back("wedge:" + joinInts(w.lesionIds) + "@" + formatNumber(w.marginMm));
  for (const Ablation& a : plan.ablations)
    parts.push_back("ablate:" + std::to_string(a.lesionId) + "@" + formatNumber(a.zoneMarginMm));
  std::string spec;
  for (const std::string& part : parts)
    spec += (spec.empty() ? "" : "+") + part;
  return spec;
}

namespace
{

using nlohmann::json;

constexpr const char* PlanKind = "plan file";

/// Reads the members of plan.json; every error an InputError "FILE: plans[I].KEY: problem".
class PlanFields
{
public:
  explicit PlanFields(std::string file)
    : m_file(std::move(file))
  {
  }

  [[noreturn]] void fail(const std::string& where, const std::string& problem) const
  {
    throw InputError(m_file, where + ": " + problem);
  }

  const json& array(const json& v, const std::string& where) const
  {
    if (!v.is_array())
      fail(where, "must be an array, not " + std::string(v.type_name()));
    return v;
  }

  const json& object(const json& v, const std::string& where) const
  {
    if (!v.is_object())
      fail(where, "must be an object, not " + std::string(v.type_name()));
    return v;
  }

  const json& member(const json& object, const char* key, const std::string& where) const
  {
    if (!object.contains(key))
      fail(where + "." + key, "missing");
    return object.at(key);
  }

  std::string text(const json& v, const std::string& where) const
  {
    if (!v.is_string())
      fail(where, "must be a string, not " + std::string(v.type_name()));
    return v.get<std::string>();
  }

  bool boolean(const json& v, const std::string& where) const
  {
    if (!v.is_boolean())
      fail(where, "must be true or false, not " + std::string(v.type_name()));
    return v.get<bool>();
  }

  double number(const json& v, const std::string& where) const
  {
    if (!v.is_number())
      fail(where, "must be a number, not " + std::string(v.type_name()));
    return v.get<double>();
  }

  /// An integer an int holds (2.0 is 2): a cast of 2.5 truncates, of 1e300 is undefined.
  int integer(const json& v, const std::string& where) const
  {
    const double d = number(v, where);
    if (std::floor(d) != d || std::abs(d) > std::numeric_limits<int>::max())
      fail(where, "must be an integer, not " + jsonExcerpt(v));
    return static_cast<int>(d);
  }

  std::vector<int> integers(const json& v, const std::string& where) const
  {
    std::vector<int> values;
    for (std::size_t k = 0; k < array(v, where).size(); ++k)
      values.push_back(integer(v[k], where + "[" + std::to_string(k) + "]"));
    return values;
  }

  std::array<double, 3> point(const json& v, const std::string& where) const
  {
    if (!v.is_array() || v.size() != 3)
      fail(where, "must be 3 numbers [x, y, z], not " + jsonExcerpt(v));
    return { number(v[0], where + "[0]"),
             number(v[1], where + "[1]"),
             number(v[2], where + "[2]") };
  }

  /// The objects of array member `key` of `plan` (absent: none), each with its path.
  std::vector<std::pair<const json*, std::string>> objects(const json& plan,
                                                           const char* key,
                                                           const std::string& where) const
  {
    std::vector<std::pair<const json*, std::string>> items;
    if (!plan.contains(key))
      return items;
    const std::string path = where + "." + key;
    const json& list = array(plan.at(key), path);
    for (std::size_t k = 0; k < list.size(); ++k)
    {
      const std::string at = path + "[" + std::to_string(k) + "]";
      items.emplace_back(&object(list[k], at), at);
    }
    return items;
  }

private:
  std::string m_file;
};

ResectionPlan planFrom(const PlanFields& f, const json& p, const std::string& where)
{
  f.object(p, where);
  static const std::vector<std::string> known = { "name",     "spec",   "resection", "withCaudate",
                                                  "segments", "planes", "wedges",    "ablations" };
  for (const auto& item : p.items())
    if (std::find(known.begin(), known.end(), item.key()) == known.end())
      f.fail(where, "unknown field \"" + messageText(item.key()) + "\"");
  ResectionPlan plan;
  try
  {
    if (p.contains("spec"))
      plan = parsePlanSpec(f.text(p.at("spec"), where + ".spec"));
    if (p.contains("resection"))
      addSegments(plan, anatomicalSegments(f.text(p.at("resection"), where + ".resection")));
  }
  catch (const std::invalid_argument& e)
  {
    f.fail(where, e.what());
  }
  if (p.contains("withCaudate") && f.boolean(p.at("withCaudate"), where + ".withCaudate"))
    addSegments(plan, { 1 });
  if (p.contains("segments"))
    addSegments(plan, f.integers(p.at("segments"), where + ".segments"));
  for (const auto& [q, at] : f.objects(p, "planes", where))
    plan.planes.push_back({ f.point(f.member(*q, "pointLpsMm", at), at + ".pointLpsMm"),
                            f.point(f.member(*q, "normal", at), at + ".normal") });
  for (const auto& [w, at] : f.objects(p, "wedges", where))
    plan.wedges.push_back({ f.integers(f.member(*w, "lesions", at), at + ".lesions"),
                            w->contains("marginMm") ? f.number(w->at("marginMm"), at + ".marginMm")
                                                    : DefaultWedgeMarginMm });
  for (const auto& [a, at] : f.objects(p, "ablations", where))
    plan.ablations.push_back({ f.integer(f.member(*a, "lesion", at), at + ".lesion"),
                               a->contains("zoneMarginMm")
                                 ? f.number(a->at("zoneMarginMm"), at + ".zoneMarginMm")
                                 : DefaultAblationMarginMm });
  if (p.contains("name"))
    plan.name = f.text(p.at("name"), where + ".name");
  if (plan.name.empty())
    plan.name = planSpec(plan);
  if (plan.name.empty())
    plan.name = where;
  try
  {
    validatePlan(plan);
  }
  catch (const std::invalid_argument& e)
  {
    f.fail(where, e.what());
  }
  return plan;
}

} // namespace

std::vector<ResectionPlan> parsePlanJson(const std::string& text, const std::string& file)
{
  const json root = parseJsonInput(text, file, PlanKind);
  if (!root.is_object() || !root.contains("plans") || !root["plans"].is_array() ||
      root["plans"].empty())
    throw InputError(file, "field \"plans\": expected a non-empty array of plans");
  const PlanFields f(file);
  std::vector<ResectionPlan> plans;
  for (std::size_t i = 0; i < root["plans"].size(); ++i)
    plans.push_back(planFrom(f, root["plans"][i], "plans[" + std::to_string(i) + "]"));
  return plans;
}

std::vector<ResectionPlan> loadPlanFile(const std::string& path)
{
  return parsePlanJson(readJsonInputFile(path, PlanKind, MaxSmallJsonFileBytes), path);
}

} // namespace liver
