#pragma once
/// One study's round trip (`liverplan pacs run`): pull its CT series (and its own DICOM SEGs)
/// from the PACS, analyse it as `batch --dicom-out` does (a worker process, the clinical rows),
/// store its SEG, SR and PDF back into the study.

#include <liver/pacs/server.h>
#include <liver/pipeline/batch.h>
#include <liver/pipeline/progress.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace liver::pacs
{

/// What every study's run does.
struct RoundTripOptions
{
  /// The analysis: out (OUT/<study>/ per study, OUT/.pacs/ for what is pulled), plans, clinical
  /// rows, ...; root, dicomOut, resume and liverFiles are set for each study.
  pipeline::BatchRequest batch;
  bool store = true;        ///< false: analyse and write OUT/<study>/dicom/, store nothing back
  bool useStudySeg = false; ///< the liver from the study's own DICOM SEG when it has one
};

/// Runs one batch request as the front end does it (its progress display, its interrupts).
using BatchRunner = std::function<pipeline::BatchOutcome(const pipeline::BatchRequest&)>;

/// What one study's run gave.
struct StudyRun
{
  std::string status;               ///< "ok", "error: ...", "skipped: no CT series"
  bool interrupted = false;         ///< the analysis was interrupted (the study is not done)
  std::vector<std::string> objects; ///< the files sent to the study (seg.dcm, sr.dcm, ...)
  std::size_t stored = 0;           ///< of those, stored as the server says
};

/// Pull study `studyUid` (its CT series into OUT/.pacs/<study>/, removed afterwards; its SEG
/// series into OUT/.pacs/seg/<study>/, kept only when the liver is taken from one), analyse it
/// through `runBatch`, store OUT/<study>/dicom/{seg,sr,report-pdf}.dcm into the study unless
/// `store` is off. Steps and notes go to `progress`. InputError for a malformed UID or a study the
/// server does not know; ProcessingError when the server refuses an object; the server's own
/// errors as they come. An analysis that fails is the status, not an exception.
StudyRun runRoundTrip(const RoundTripOptions& options,
                      const Server& server,
                      const std::string& studyUid,
                      const BatchRunner& runBatch,
                      const pipeline::ProgressCallback& progress);

} // namespace liver::pacs
