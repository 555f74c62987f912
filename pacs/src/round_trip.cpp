/// One study's round trip: pull, analyse, store back.

#include <liver/pacs/round_trip.h>

#include <liver/pacs/dicomweb.h>
#include <liver/pacs/study_seg.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/safe_path.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace liver::pacs
{
namespace
{

namespace fs = std::filesystem;
using pipeline::reportStep;

/// The study's own DICOM SEG with a liver (TotalSegmentator's, Slicer's; never LiverPlan's) in
/// `segs`: with useStudySeg the worker imports the liver from it (result.json's labels name the
/// file, its SHA-256 in inputFiles), else it is offered. Whether it is used.
bool useStudySegmentation(const RoundTripOptions& o,
                          const std::string& studyUid,
                          const fs::path& segs,
                          pipeline::BatchRequest& batch,
                          const pipeline::ProgressCallback& progress)
{
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(segs, ec))
    for (const auto& e : fs::recursive_directory_iterator(segs))
      if (e.is_regular_file())
        files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> notes;
  const std::optional<StudySegmentation> seg = studyLiverSegmentation(files, notes);
  for (const std::string& note : notes)
    reportStep(progress, "pacs: " + note);
  if (!seg)
  {
    if (o.useStudySeg)
      reportStep(progress,
                 "pacs: --use-study-seg: study " + studyUid +
                   " holds no DICOM SEG with a liver: the liver is segmented automatically");
    return false;
  }
  const std::string which = "DICOM SEG series " + seg->seriesInstanceUid + " (" +
                            seg->manufacturer + ", \"" + seg->seriesDescription + "\", segment \"" +
                            seg->liverSegment + "\")";
  if (!o.useStudySeg)
  {
    reportStep(progress,
               "pacs: study " + studyUid + " holds a liver in " + which +
                 ": --use-study-seg takes it instead of segmenting the liver");
    return false;
  }
  reportStep(progress, "pacs: the liver from the study's " + which);
  batch.liverFiles[studyUid] = seg->file;
  return true;
}

/// The study's CT series into `input`, its SEG series into `segs`: the number of CT images.
std::size_t pullStudy(const Server& server,
                      const std::string& studyUid,
                      const fs::path& input,
                      const fs::path& segs,
                      const pipeline::ProgressCallback& progress)
{
  const std::vector<SeriesInfo> series = server.studySeries(studyUid);
  if (series.empty())
    throw InputError(server.name(), "study " + studyUid + " not found");
  std::size_t images = 0;
  for (const SeriesInfo& s : series)
    if (s.modality == "CT" || s.modality == "SEG")
    {
      reportStep(progress,
                 "pacs: retrieving " + s.modality + " series " + s.seriesInstanceUid + " (" +
                   s.description + ")");
      const fs::path folder = (s.modality == "CT" ? input : segs);
      const std::size_t n = server.retrieveSeries(
        studyUid, s.seriesInstanceUid, (folder / safePathComponent(s.seriesInstanceUid)).string());
      images += s.modality == "CT" ? n : 0;
    }
  return images;
}

} // namespace

StudyRun runRoundTrip(const RoundTripOptions& o,
                      const Server& server,
                      const std::string& studyUid,
                      const BatchRunner& runBatch,
                      const pipeline::ProgressCallback& progress)
{
  checkUid(studyUid, "--study");
  const fs::path pulled = fs::path(o.batch.out) / ".pacs";
  const fs::path input = outputPathInside(pulled, safePathComponent(studyUid));
  // The study's own segmentations (SEG series) apart: the batch reads CT only.
  const fs::path segs = outputPathInside(pulled / "seg", safePathComponent(studyUid));
  std::error_code ec;
  fs::remove_all(input, ec);
  fs::remove_all(segs, ec);
  const std::size_t images = pullStudy(server, studyUid, input, segs, progress);
  if (images == 0)
  {
    fs::remove_all(input, ec);
    fs::remove_all(segs, ec);
    return { "skipped: no CT series", false, {}, 0 };
  }
  reportStep(progress, "pacs: " + std::to_string(images) + " CT image(s) of study " + studyUid);

  pipeline::BatchRequest batch = o.batch;
  batch.root = input.string();
  batch.dicomOut = true;
  batch.resume = false;
  if (!useStudySegmentation(o, studyUid, segs, batch, progress))
    fs::remove_all(segs, ec);
  const pipeline::BatchOutcome outcome = runBatch(batch);
  fs::remove_all(input, ec);
  StudyRun run;
  run.status = "error: no analysis";
  run.interrupted = outcome.interrupted || outcome.complete < outcome.inShard;
  if (const std::optional<nlohmann::json> row = pipeline::studyStatus(batch.out, studyUid))
    run.status = row->value("status", "") == "ok"
                   ? "ok"
                   : "error: " + row->value("error", std::string("analysis failed"));
  if (run.status != "ok" || !o.store)
    return run;

  const fs::path dicom = outputPathInside(batch.out, safePathComponent(studyUid)) / "dicom";
  for (const char* name : { "seg.dcm", "sr.dcm", "report-pdf.dcm" })
    if (fs::is_regular_file(dicom / name, ec))
      run.objects.push_back((dicom / name).string());
  const StoreResult stored = server.store(studyUid, run.objects);
  if (!stored.failures.empty())
    throw ProcessingError(server.name() + ": storing into study " + studyUid +
                          " refused: " + stored.failures.front());
  run.stored = stored.stored;
  return run;
}

} // namespace liver::pacs
