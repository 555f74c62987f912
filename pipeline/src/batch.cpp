/// Batch orchestration and merge (batch.h).

#include <liver/pipeline/batch.h>

#include <liver/imaging/dicom.h>
#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>
#include <liver/imaging/safe_path.h>
#include <liver/model/result.h>
#include <liver/report/encoding.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sched.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace liver::pipeline
{
namespace
{

using report::htmlEscape;

void writeJson(const std::string& path, const nlohmann::json& json)
{
  writeTextFile(path, json.dump(2) + "\n");
}

struct Shard
{
  std::uint64_t index = 0, count = 1;
};

/// "i/N" with 0 <= i < N.
Shard parseShard(const std::string& text)
{
  Shard s;
  char slash = 0, extra = 0;
  unsigned long long i = 0, n = 0;
  if (std::sscanf(text.c_str(), "%llu%c%llu%c", &i, &slash, &n, &extra) != 3 || slash != '/' ||
      n == 0 || i >= n)
    throw std::invalid_argument("--shard must be i/N with 0 <= i < N (got '" + text + "')");
  s.index = i;
  s.count = n;
  return s;
}

/// One row of summary.csv, as status.json stores it.
const std::vector<std::string> FixedColumns = {
  "studyInstanceUid", "patientId",    "studyDate",    "seriesInstanceUid",
  "seriesChoice",     "status",       "error",        "totalLiverMl",
  "tumourMl",         "functionalMl", "lesions",      "qc",
  "qcReasons",        "review",       "contrastPhase"
};
constexpr const char* StatusKind = "batch status file";
const std::vector<std::string> PlanColumns = { "name", "remnantMl", "flrPercent",  "sflrPercent",
                                               "pass", "r0",        "augmentation" };

std::string fixed(double value, int decimals)
{
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string csvCell(const std::string& value)
{
  if (value.find_first_of(",\"\n\r") == std::string::npos)
    return value;
  std::string quoted = "\"";
  for (char c : value)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' || c == '\r' ? ' ' : c);
  return quoted + "\"";
}

/// The summary row of a finished analysis: numbers with fixed decimals, so that the same result
/// gives the same bytes.
nlohmann::json rowFromResult(const model::AnalysisResult& result)
{
  nlohmann::json row;
  const model::VolumetryRecord& v = result.volumetry;
  row["totalLiverMl"] = fixed(v.totalLiverMl, 3);
  row["tumourMl"] = fixed(v.tumourMl, 3);
  row["functionalMl"] = fixed(v.functionalMl, 3);
  row["lesions"] = std::to_string(v.lesions.size());
  // Quality control of the automatic segmentation ("" when every label was imported).
  row["qc"] = result.qc ? model::toString(result.qc->status) : "";
  std::string reasons;
  if (result.qc)
    for (const std::string& reason : result.qc->reasons)
      reasons += (reasons.empty() ? "" : "; ") + reason;
  row["qcReasons"] = reasons;
  // Whether anyone reviewed the segmentation (automatic-unreviewed, imported-unreviewed,
  // reviewed, edited), as result.json and the report say.
  row["review"] = model::toString(result.segmentation.review);
  row["contrastPhase"] = result.contrastPhase ? result.contrastPhase->phase : "";
  row["plans"] = nlohmann::json::array();
  for (const model::PlanRecord& p : result.plans)
  {
    const PlanResult& r = p.result;
    row["plans"].push_back({ { "name", r.name },
                             { "remnantMl", fixed(r.remnantMl, 3) },
                             { "flrPercent", fixed(r.flrPercent, 2) },
                             { "sflrPercent", r.sflrPercent ? fixed(*r.sflrPercent, 2) : "" },
                             { "pass", r.pass ? "yes" : "no" },
                             { "r0", r.r0 ? "yes" : "no" },
                             { "augmentation", p.augmentation.verdict.value_or("") } });
  }
  if (result.decision)
    row["decision"] = result.decision->category;
  return row;
}

/// summary.html: the summary as a page, each study linked to its report (relative paths, so the
/// folder can be moved); `studyDir` gives a row's folder relative to the page.
std::string summaryHtml(const std::vector<nlohmann::json>& rows,
                        const std::function<std::string(const std::string&)>& studyDir)
{
  std::string html =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LiverPlan batch "
    "summary</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
    "collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:90%}th{background:#eef}"
    ".error{color:#a00}.disclaimer{border:2px solid #a00;padding:.5em;margin:1em 0}</style>"
    "</head><body>\n<h1>LiverPlan batch summary</h1>\n<p class=\"disclaimer\">" +
    htmlEscape(model::DecisionSupportDisclaimer) +
    "</p>\n<table><thead><tr><th>Study</th><th>Patient</th><th>Date</th><th>Status</th>"
    "<th>Segmentation</th><th>TLV mL</th><th>Tumour mL</th><th>Lesions</th><th>Plans: FLR % / sFLR "
    "%</th>"
    "<th>Decision</th><th>Error</th></tr></thead><tbody>\n";
  for (const nlohmann::json& row : rows)
  {
    const std::string uid = row.value("studyInstanceUid", "");
    const bool ok = row.value("status", "") == "ok";
    std::string plans;
    for (const nlohmann::json& p : row.value("plans", nlohmann::json::array()))
      plans += htmlEscape(p.value("name", "")) + ": " + p.value("flrPercent", "") + " / " +
               (p.value("sflrPercent", "").empty() ? "-" : p.value("sflrPercent", "")) + "<br>";
    const std::string link =
      ok ? "<a href=\"" + htmlEscape(studyDir(uid)) + "/report.html\">" + htmlEscape(uid) + "</a>"
         : htmlEscape(uid);
    html +=
      "<tr><td>" + link + "</td><td>" + htmlEscape(row.value("patientId", "")) + "</td><td>" +
      htmlEscape(row.value("studyDate", "")) + "</td><td" + (ok ? "" : " class=\"error\"") + ">" +
      htmlEscape(row.value("status", "")) + "</td><td>" + htmlEscape(row.value("review", "")) +
      "</td><td>" + htmlEscape(row.value("totalLiverMl", "")) + "</td><td>" +
      htmlEscape(row.value("tumourMl", "")) + "</td><td>" + htmlEscape(row.value("lesions", "")) +
      "</td><td>" + plans + "</td><td>" + htmlEscape(row.value("decision", "")) + "</td><td>" +
      htmlEscape(row.value("error", "")) + "</td></tr>\n";
  }
  return html + "</tbody></table>\n</body></html>\n";
}

/// One study to run.
struct Job
{
  const DicomStudy* study = nullptr;
  const DicomSeries* series = nullptr; ///< null: nothing to analyse
  std::string choice;                  ///< why the series was chosen (or why none)
  std::vector<std::string> arguments;  ///< of the worker
  std::vector<std::pair<std::string, std::string>> links; ///< link given to the worker, file
};

/// A study's staging folder under OUT/.partial, named safely from its UID.
fs::path studyWorkDir(const fs::path& partialRoot, const std::string& studyInstanceUid)
{
  return outputPathInside(partialRoot, safePathComponent(studyInstanceUid));
}

struct Running
{
  std::size_t job = 0;
  std::chrono::steady_clock::time_point started;
};

/// The last "error:" line of a worker's log, else its last line.
std::string errorFromLog(const fs::path& log)
{
  std::ifstream in(log);
  std::string line, last, error;
  while (std::getline(in, line))
  {
    if (line.empty())
      continue;
    last = line;
    if (line.find("error:") != std::string::npos)
      error = line;
  }
  std::string reason = error.empty() ? last : error;
  for (const std::string prefix : { "liverplan: error: ", "liverplan: " })
    if (reason.rfind(prefix, 0) == 0)
    {
      reason = reason.substr(prefix.size());
      break;
    }
  return reason;
}

pid_t spawnWorker(const std::string& executable,
                  const std::vector<std::string>& arguments,
                  const fs::path& log)
{
  std::vector<char*> argv;
  for (const std::string& a : arguments)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0)
    throw ProcessingError(std::string("batch: cannot start a worker: ") + std::strerror(errno));
  if (pid == 0)
  {
    // The worker dies with the batch (SIGKILL included) and ignores the terminal's Ctrl-C, which
    // the batch handles by letting running studies finish.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
    {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    execv(executable.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

/// What is wrong with a status row read back ("" when nothing): the summaries read its text
/// columns as strings, "seconds" as a number and "peakRssMiB" as an int.
std::string statusRowProblem(const nlohmann::json& row)
{
  if (!row.is_object())
    return std::string("must be a JSON object, not ") + row.type_name();
  if (!row.contains("studyInstanceUid"))
    return "studyInstanceUid: missing";
  std::vector<std::string> texts = FixedColumns;
  texts.push_back("decision");
  for (const std::string& c : texts)
    if (row.contains(c) && !row.at(c).is_string())
      return c + ": must be a string, not " + row.at(c).type_name();
  if (row.contains("plans"))
  {
    const nlohmann::json& plans = row.at("plans");
    if (!plans.is_array())
      return std::string("plans: must be an array, not ") + plans.type_name();
    for (std::size_t k = 0; k < plans.size(); ++k)
    {
      const std::string at = "plans[" + std::to_string(k) + "]";
      if (!plans[k].is_object())
        return at + ": must be an object, not " + plans[k].type_name();
      for (const std::string& c : PlanColumns)
        if (plans[k].contains(c) && !plans[k].at(c).is_string())
          return at + "." + c + ": must be a string, not " + plans[k].at(c).type_name();
    }
  }
  if (row.contains("seconds") && !row.at("seconds").is_number())
    return std::string("seconds: must be a number, not ") + row.at("seconds").type_name();
  if (row.contains("peakRssMiB"))
  {
    const nlohmann::json& rss = row.at("peakRssMiB");
    if (!rss.is_number_integer() || rss.get<std::int64_t>() < 0 ||
        rss.get<std::int64_t>() > INT_MAX)
      return "peakRssMiB: must be an integer from 0 to " + std::to_string(INT_MAX) + ", not " +
             jsonExcerpt(rss);
  }
  return "";
}

/// status.json of a study folder, checked as a status row.
nlohmann::json readStatusRow(const fs::path& status)
{
  nlohmann::json row = loadJsonInput(status.string(), StatusKind, MaxSmallJsonFileBytes);
  const std::string problem = statusRowProblem(row);
  if (!problem.empty())
    throw InputError(status.string(), problem + " (not a " + StatusKind + ")");
  return row;
}

} // namespace

/// Read DIR/*/status.json: the completed studies of a batch output folder, by study UID.
std::map<std::string, nlohmann::json> completedStudies(const std::string& dir)
{
  std::map<std::string, nlohmann::json> rows;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
  {
    const fs::path status = e.path() / "status.json";
    if (e.path().filename().string().front() == '.' || !fs::is_regular_file(status, ec))
      continue;
    nlohmann::json row = readStatusRow(status);
    const std::string uid = row.at("studyInstanceUid").get<std::string>();
    rows[uid] = std::move(row);
  }
  return rows;
}

std::optional<nlohmann::json> studyStatus(const std::string& dir,
                                          const std::string& studyInstanceUid)
{
  const fs::path status =
    outputPathInside(dir, safePathComponent(studyInstanceUid)) / "status.json";
  std::error_code ec;
  if (!fs::is_regular_file(status, ec))
    return std::nullopt;
  try
  {
    return readStatusRow(status);
  }
  catch (const InputError&)
  {
    return std::nullopt;
  }
}

std::string summaryCsv(const std::vector<nlohmann::json>& rows)
{
  std::size_t plans = 0;
  bool decision = false;
  for (const nlohmann::json& row : rows)
  {
    plans = std::max(plans, row.value("plans", nlohmann::json::array()).size());
    decision = decision || row.contains("decision");
  }
  std::ostringstream csv;
  std::string header;
  for (const std::string& c : FixedColumns)
    header += (header.empty() ? "" : ",") + c;
  for (std::size_t k = 1; k <= plans; ++k)
    for (const std::string& c : PlanColumns)
      header += ",plan" + std::to_string(k) + "_" + c;
  if (decision)
    header += ",decision";
  csv << header << ",seconds,peakRssMiB\n";
  for (const nlohmann::json& row : rows)
  {
    std::string line;
    for (const std::string& c : FixedColumns)
      line += (line.empty() ? "" : ",") + csvCell(row.value(c, ""));
    const nlohmann::json rowPlans = row.value("plans", nlohmann::json::array());
    for (std::size_t k = 0; k < plans; ++k)
      for (const std::string& c : PlanColumns)
        line += "," + (k < rowPlans.size() ? csvCell(rowPlans[k].value(c, "")) : std::string());
    if (decision)
      line += "," + csvCell(row.value("decision", ""));
    line +=
      "," + fixed(row.value("seconds", 0.0), 1) + "," + std::to_string(row.value("peakRssMiB", 0));
    csv << line << "\n";
  }
  return csv.str();
}

BatchOutcome runBatch(const BatchRequest& o,
                      const ProgressCallback& progress,
                      const StudyCallback& onStudy)
{
  const Shard shard = parseShard(o.shard.empty() ? "0/1" : o.shard);
  if (o.jobs == 0)
    throw std::invalid_argument("-j must be at least 1");
  auto interrupts = [&] { return o.interrupts ? o.interrupts() : 0; };
  reportStep(progress, "batch: scanning " + o.root);
  const std::vector<DicomStudy> studies = groupByStudy(scanDicomDirectory(o.root));
  std::vector<SeriesChoice> choices;
  for (const DicomStudy& s : studies)
    choices.push_back(chooseSeriesForAnalysis(s.series));

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec)
    throw OutputError(o.out + ": cannot create the output folder: " + ec.message());
  // One batch per output folder at a time (shards write to folders of their own).
  const std::string lockPath = o.out + "/.lock";
  const int lock = open(lockPath.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW, 0644);
  if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0)
    throw OutputError(o.out + ": another batch is writing into this folder");
  const fs::path partialRoot = fs::path(o.out) / ".partial";
  fs::remove_all(partialRoot, ec); // what a killed run left half-written
  fs::create_directories(partialRoot);
  outputPathInside(o.out, ".partial");

  std::map<std::string, nlohmann::json> done =
    o.resume ? completedStudies(o.out) : std::map<std::string, nlohmann::json>{};
  std::vector<Job> jobs;
  std::set<std::string> share;
  for (std::size_t k = 0; k < studies.size(); ++k)
  {
    const DicomStudy& s = studies[k];
    if (stableHash(s.studyInstanceUid) % shard.count != shard.index)
      continue;
    share.insert(s.studyInstanceUid);
    if (done.count(s.studyInstanceUid))
      continue;
    Job job;
    job.study = &s;
    job.series = choices[k].chosen;
    job.choice = choices[k].chosen ? choices[k].reason : "no series qualifies";
    if (!choices[k].chosen && !choices[k].passedOver.empty())
    {
      job.choice += ":";
      for (const auto& [uid, why] : choices[k].passedOver)
        job.choice += " " + uid + " (" + why + ");";
      job.choice.pop_back();
    }
    jobs.push_back(std::move(job));
  }
  const std::size_t skipped = share.size() - jobs.size();
  reportStep(
    progress,
    "batch: " + std::to_string(studies.size()) + " stud" + (studies.size() == 1 ? "y" : "ies") +
      " found, " + std::to_string(share.size()) + " in shard " + std::to_string(shard.index) + "/" +
      std::to_string(shard.count) + ", " + std::to_string(skipped) + " already complete, " +
      std::to_string(jobs.size()) + " to run with " + std::to_string(o.jobs) + " worker(s)");

  // Worker arguments: the chosen series' files are linked into a folder of their own, so the
  // worker's DICOM scan reads that series only.
  const std::string self = o.workerName;
  for (Job& job : jobs)
  {
    if (!job.series)
      continue;
    const fs::path work = studyWorkDir(partialRoot, job.study->studyInstanceUid);
    const fs::path input = work / "input";
    fs::create_directories(input);
    std::size_t n = 0;
    for (const DicomFileInfo& f : job.series->files)
    {
      const fs::path link = input / ("f" + std::to_string(n++) + ".dcm");
      fs::create_symlink(fs::absolute(f.path), link);
      job.links.emplace_back(link.string(), f.path);
    }
    job.arguments = { self,
                      "analyze",
                      input.string(),
                      "--series",
                      job.series->seriesInstanceUid,
                      "--out",
                      (work / "out").string() };
    for (const std::string& p : o.plans)
      job.arguments.insert(job.arguments.end(), { "--plan", p });
    if (!o.planFile.empty())
      job.arguments.insert(job.arguments.end(), { "--plan-file", o.planFile });
    if (o.autoPlans)
      job.arguments.insert(job.arguments.end(), { "--auto-plan", std::to_string(o.autoPlans) });
    if (o.autoSegments)
      job.arguments.push_back("--auto-segments");
    if (const auto liver = o.liverFiles.find(job.study->studyInstanceUid);
        liver != o.liverFiles.end())
      job.arguments.insert(job.arguments.end(),
                           { "--liver", fs::absolute(liver->second).string() });
    if (o.dicomOut) // while the worker's links to the series exist
      job.arguments.push_back("--dicom-out");
    nlohmann::json clinicalRow = nlohmann::json::object();
    const std::string key =
      o.clinicalKeyColumn == "PatientID" ? job.study->patientId : job.study->studyInstanceUid;
    if (const auto row = o.clinicalRows.find(key); row != o.clinicalRows.end())
      clinicalRow = row->second;
    if (!o.condition.empty() && !clinicalRow.contains("liverCondition"))
      clinicalRow["liverCondition"] = o.condition;
    if (!clinicalRow.empty())
    {
      const std::string file = (work / "clinical.json").string();
      writeJson(file, clinicalRow);
      job.arguments.insert(job.arguments.end(), { "--clinical", file });
    }
  }

  // Each worker runs ITK with its share of the cores.
  // The cores this process may use (a Slurm or container CPU set), not the machine's.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const unsigned cores = sched_getaffinity(0, sizeof allowed, &allowed) == 0
                           ? std::max(1u, static_cast<unsigned>(CPU_COUNT(&allowed)))
                           : std::max(1u, std::thread::hardware_concurrency());
  setenv("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS",
         std::to_string(std::max(1u, cores / o.jobs)).c_str(),
         1);

  StudyFinished counts;
  counts.total = share.size();
  counts.done = counts.skipped = skipped;
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  bool interrupted = false;
  auto finish = [&](const Job& job, nlohmann::json row, double seconds, long peakKb)
  {
    const std::string uid = job.study->studyInstanceUid;
    row["studyInstanceUid"] = uid;
    row["patientId"] = job.study->patientId;
    row["studyDate"] = job.study->studyDate;
    row["seriesInstanceUid"] = job.series ? job.series->seriesInstanceUid : "";
    row["seriesChoice"] = job.choice;
    row["seconds"] = seconds;
    row["peakRssMiB"] = peakKb / 1024;
    const fs::path work = studyWorkDir(partialRoot, uid);
    const fs::path staged = work / "out";
    fs::create_directories(staged);
    writeJson((staged / "status.json").string(), row); // the completion marker, last
    const fs::path target = outputPathInside(o.out, safePathComponent(uid));
    fs::remove_all(target);
    fs::rename(staged, target);
    fs::remove_all(work);
    ++counts.done;
    counts.studyInstanceUid = uid;
    counts.status = row["status"].get<std::string>();
    counts.error = row.value("error", "");
    counts.seconds = seconds;
    counts.errors += counts.status != "ok";
    if (onStudy)
      onStudy(counts);
  };

  while (next < jobs.size() || !running.empty())
  {
    if (interrupts() > 0 && !interrupted)
    {
      interrupted = true;
      reportWarning(progress,
                    "batch: interrupted: finishing the " + std::to_string(running.size()) +
                      " running stud" + (running.size() == 1 ? "y" : "ies") +
                      " (interrupt again to stop them now)");
    }
    if (interrupts() > 1)
      for (const auto& [pid, r] : running)
        kill(pid, SIGKILL);
    while (!interrupted && next < jobs.size() && running.size() < o.jobs)
    {
      const Job& job = jobs[next];
      if (!job.series)
      {
        finish(job, { { "status", "error" }, { "error", job.choice } }, 0.0, 0);
        ++next;
        continue;
      }
      const fs::path out = studyWorkDir(partialRoot, job.study->studyInstanceUid) / "out";
      fs::create_directories(out);
      const pid_t pid = spawnWorker(o.workerExecutable, job.arguments, out / "log.txt");
      running[pid] = { next, std::chrono::steady_clock::now() };
      ++next;
    }
    if (running.empty())
      break;
    int status = 0;
    rusage usage{};
    const pid_t pid = wait4(-1, &status, 0, &usage);
    if (pid < 0)
    {
      if (errno == EINTR)
        continue;
      throw ProcessingError(std::string("batch: waiting for workers: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end())
      continue;
    const Job& job = jobs[it->second.job];
    const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.started).count();
    running.erase(it);
    const fs::path out = studyWorkDir(partialRoot, job.study->studyInstanceUid) / "out";
    if (WIFSIGNALED(status) && interrupts() > 1)
      continue; // stopped by the user: not complete, run again on --resume
    nlohmann::json row;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    {
      try
      {
        row = rowFromResult(model::readResult((out / "result.json").string()));
        row["status"] = "ok";
        row["error"] = "";
      }
      catch (const std::exception& e)
      {
        row = { { "status", "error" },
                { "error", std::string("worker result unreadable: ") + e.what() } };
      }
    }
    else if (WIFSIGNALED(status))
      row = { { "status", "error" },
              { "error", "worker crashed (signal " + std::to_string(WTERMSIG(status)) + ")" } };
    else
    {
      // Errors name the study's own files, not the links the worker was given.
      std::string reason = errorFromLog(out / "log.txt");
      for (const auto& [link, file] : job.links)
        if (const std::size_t at = reason.find(link); at != std::string::npos)
          reason.replace(at, link.size(), file);
      const std::string input =
        (studyWorkDir(partialRoot, job.study->studyInstanceUid) / "input").string();
      if (const std::size_t at = reason.find(input); at != std::string::npos)
        reason.replace(at, input.size(), "series " + job.series->seriesInstanceUid);
      row = { { "status", "error" },
              { "error", reason + " (exit code " + std::to_string(WEXITSTATUS(status)) + ")" } };
    }
    finish(job, row, seconds, usage.ru_maxrss);
  }

  // The summary covers every completed study of this shard, from the status files.
  std::map<std::string, nlohmann::json> complete = completedStudies(o.out);
  std::vector<nlohmann::json> rows;
  std::size_t failed = 0;
  for (const std::string& uid : share)
    if (const auto row = complete.find(uid); row != complete.end())
    {
      rows.push_back(row->second);
      failed += row->second.value("status", "") != "ok";
    }
  writeTextFile(o.out + "/summary.csv", summaryCsv(rows));
  writeTextFile(o.out + "/summary.html",
                summaryHtml(rows, [](const std::string& uid) { return safePathComponent(uid); }));
  fs::remove_all(partialRoot, ec);
  BatchOutcome outcome;
  outcome.studiesFound = studies.size();
  outcome.inShard = share.size();
  outcome.complete = rows.size();
  outcome.failed = failed;
  outcome.interrupted = interrupted;
  return outcome;
}

std::size_t mergeBatches(const std::vector<std::string>& dirs, const std::string& out)
{
  std::map<std::string, nlohmann::json> all;
  std::map<std::string, std::string> folderOf; // study UID -> its folder, relative to `out`
  for (const std::string& dir : dirs)
  {
    if (!fs::is_directory(dir))
      throw InputError(dir, "not a batch output folder");
    for (auto& [uid, row] : completedStudies(dir))
    {
      if (!all.emplace(uid, row).second)
        throw InputError(dir, "study " + uid + " is also in another folder");
      folderOf[uid] = (fs::relative(fs::absolute(dir), fs::absolute(out)) / safePathComponent(uid))
                        .lexically_normal()
                        .string();
    }
  }
  std::vector<nlohmann::json> rows;
  for (auto& [uid, row] : all)
    rows.push_back(row);
  std::error_code ec;
  fs::create_directories(out, ec);
  writeTextFile(out + "/summary.csv", summaryCsv(rows));
  writeTextFile(out + "/summary.html",
                summaryHtml(rows, [&](const std::string& uid) { return folderOf[uid]; }));
  return rows.size();
}

} // namespace liver::pipeline
