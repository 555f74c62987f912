#include <liver/imaging/errors.h>
#include <liver/planning/plan.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
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
  throw std::invalid_argument("plan part \"" + part + "\": " + problem);
}

double parseNumber(const std::string& text, const std::string& part, const std::string& what)
{
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
    badPart(part, what + " \"" + text + "\" is not a number");
  return value;
}

int parseInteger(const std::string& text, const std::string& part, const std::string& what)
{
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || value < -1000000 || value > 1000000)
    badPart(part, what + " \"" + text + "\" is not an integer");
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
    badPart(part, "\"" + text + "\" is not x,y,z");
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
            "unknown kind \"" + kind +
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
      throw std::invalid_argument("\"" + nameIn + "\": segmentectomy-N needs N in 1..8");
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
      throw std::invalid_argument("unknown resection \"" + nameIn + "\" (known: " + list +
                                  "segmentectomy-1..8, each optionally with -with-caudate)");
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
      throw std::invalid_argument("plan \"" + specIn + "\": empty name before '='");
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
      throw std::invalid_argument("plan \"" + specIn + "\": " + e.what());
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
  { throw std::invalid_argument("plan \"" + plan.name + "\": " + problem); };
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

std::vector<ResectionPlan> parsePlanJson(const std::string& text, const std::string& file)
{
  using nlohmann::json;
  json root;
  try
  {
    root = json::parse(text);
  }
  catch (const json::exception& e)
  {
    throw InputError(file, std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object() || !root.contains("plans") || !root["plans"].is_array() ||
      root["plans"].empty())
    throw InputError(file, "field \"plans\": expected a non-empty array of plans");
  std::vector<ResectionPlan> plans;
  for (std::size_t i = 0; i < root["plans"].size(); ++i)
  {
    const json& p = root["plans"][i];
    const std::string where = "plans[" + std::to_string(i) + "]";
    try
    {
      if (!p.is_object())
        throw std::invalid_argument("expected an object");
      static const std::vector<std::string> known = { "name",        "spec",     "resection",
                                                      "withCaudate", "segments", "planes",
                                                      "wedges",      "ablations" };
      for (const auto& item : p.items())
        if (std::find(known.begin(), known.end(), item.key()) == known.end())
          throw std::invalid_argument("unknown field \"" + item.key() + "\"");
      ResectionPlan plan;
      if (p.contains("spec"))
        plan = parsePlanSpec(p.at("spec").get<std::string>());
      if (p.contains("resection"))
        addSegments(plan, anatomicalSegments(p.at("resection").get<std::string>()));
      if (p.value("withCaudate", false))
        addSegments(plan, { 1 });
      if (p.contains("segments"))
        addSegments(plan, p.at("segments").get<std::vector<int>>());
      if (p.contains("planes"))
        for (const json& q : p.at("planes"))
          plan.planes.push_back({ q.at("pointLpsMm").get<std::array<double, 3>>(),
                                  q.at("normal").get<std::array<double, 3>>() });
      if (p.contains("wedges"))
        for (const json& w : p.at("wedges"))
          plan.wedges.push_back(
            { w.at("lesions").get<std::vector<int>>(), w.value("marginMm", DefaultWedgeMarginMm) });
      if (p.contains("ablations"))
        for (const json& a : p.at("ablations"))
          plan.ablations.push_back(
            { a.at("lesion").get<int>(), a.value("zoneMarginMm", DefaultAblationMarginMm) });
      if (p.contains("name"))
        plan.name = p.at("name").get<std::string>();
      if (plan.name.empty())
        plan.name = planSpec(plan);
      if (plan.name.empty())
        plan.name = where;
      validatePlan(plan);
      plans.push_back(plan);
    }
    catch (const json::exception& e)
    {
      throw InputError(file, where + ": " + e.what());
    }
    catch (const std::invalid_argument& e)
    {
      throw InputError(file, where + ": " + e.what());
    }
  }
  return plans;
}

std::vector<ResectionPlan> loadPlanFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot read the plan file");
  std::ostringstream text;
  text << in.rdbuf();
  return parsePlanJson(text.str(), path);
}

} // namespace liver
