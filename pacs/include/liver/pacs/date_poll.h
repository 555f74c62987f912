#pragma once
/// Watching a PACS that keeps no change log (issue 16): poll the studies of the last days by
/// StudyDate (QIDO-RS or C-FIND) and analyse a study once it has settled, i.e. its number of
/// instances has stayed the same for a while (a study still arriving is not analysed half).

#include <liver/pacs/server.h>

#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace liver::pacs
{

/// A DICOM date range "YYYYMMDD-YYYYMMDD" (a date alone is a range of one day). InputError naming
/// it otherwise.
void checkDateRange(const std::string& range);

/// The DICOM date range of the `days` calendar days (local time) that end on the day of `now`;
/// `days` >= 1.
std::string recentDateRange(std::time_t now, int days);

/// A study seen by the polls but not analysed yet: its instance count and since when (seconds,
/// the clock of the caller) it has had that count.
struct PendingStudy
{
  int instances = 0;
  double since = 0;
};

/// The studies of one poll (`found`, at time `now`) to analyse now: those not `decided` whose
/// instance count has not changed for `settleSeconds` (a count that changes starts the wait
/// again). `pending` carries the counts from poll to poll: studies found are added or updated,
/// decided ones and those no longer found are dropped, settled ones are left for the caller to
/// drop once decided.
std::vector<std::string> settledStudies(const std::vector<FoundStudy>& found,
                                        const std::function<bool(const std::string&)>& decided,
                                        std::map<std::string, PendingStudy>& pending,
                                        double now,
                                        double settleSeconds);

} // namespace liver::pacs
