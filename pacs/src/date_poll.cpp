/// Polling a PACS by StudyDate: date ranges and when a study has settled.

#include <liver/pacs/date_poll.h>

#include <liver/imaging/errors.h>

#include <set>

namespace liver::pacs
{
namespace
{

bool isDate(const std::string& text)
{
  if (text.size() != 8 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const int month = std::stoi(text.substr(4, 2));
  const int day = std::stoi(text.substr(6, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string dateOf(std::time_t t)
{
  std::tm local{};
  localtime_r(&t, &local);
  char text[16];
  std::strftime(text, sizeof text, "%Y%m%d", &local);
  return text;
}

} // namespace

void checkDateRange(const std::string& range)
{
  const std::size_t dash = range.find('-');
  const bool ok = dash == std::string::npos
                    ? isDate(range)
                    : isDate(range.substr(0, dash)) && isDate(range.substr(dash + 1)) &&
                        range.substr(0, dash) <= range.substr(dash + 1);
  if (!ok)
    throw InputError("", "date range \"" + range + "\" is not YYYYMMDD-YYYYMMDD");
}

std::string recentDateRange(std::time_t now, int days)
{
  if (days < 1)
    throw InputError("", "--days must be at least 1");
  // Noon of the first day, so a daylight-saving hour never moves it to another date.
  std::tm local{};
  localtime_r(&now, &local);
  local.tm_mday -= days - 1;
  local.tm_hour = 12;
  local.tm_min = local.tm_sec = 0;
  local.tm_isdst = -1;
  return dateOf(std::mktime(&local)) + "-" + dateOf(now);
}

std::vector<std::string> settledStudies(const std::vector<FoundStudy>& found,
                                        const std::function<bool(const std::string&)>& decided,
                                        std::map<std::string, PendingStudy>& pending,
                                        double now,
                                        double settleSeconds)
{
  std::set<std::string> seen;
  std::vector<std::string> settled;
  for (const FoundStudy& study : found)
  {
    const std::string& uid = study.studyInstanceUid;
    if (!seen.insert(uid).second || decided(uid))
      continue;
    auto it = pending.find(uid);
    if (it == pending.end() || it->second.instances != study.instances)
    {
      pending[uid] = { study.instances, now };
      continue;
    }
    if (now - it->second.since >= settleSeconds)
      settled.push_back(uid);
  }
  for (auto it = pending.begin(); it != pending.end();)
    it = seen.count(it->first) && !decided(it->first) ? std::next(it) : pending.erase(it);
  return settled;
}

} // namespace liver::pacs
