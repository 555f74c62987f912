#pragma once
/// `liverplan demo` without its printing: the built-in phantom made and written (NIfTI and a DICOM
/// series), its volumetry checked against its analytic truth, the automatic segmentation scored
/// against the truth, and the whole analysis (plans, FLR augmentation, the decision for a demo
/// patient, the report) run on it as `analyze` runs it. Writes OUT/phantom/, OUT/clinical.json,
/// OUT/analysis/ and OUT/result.json (last).

#include <liver/data/phantom.h>
#include <liver/pipeline/analysis.h>
#include <liver/pipeline/progress.h>
#include <liver/segmentation/evaluation.h>
#include <liver/volumetry/liver_function.h>
#include <liver/volumetry/volumetry.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace liver::pipeline
{

struct DemoRequest
{
  std::string out;
  PhantomOptions phantom;
  double heightCm = 170.0;
  double weightKg = 70.0;
  BsaFormula bsa = BsaFormula::Mosteller;
  SlvFormula slv = SlvFormula::Vauthey;
  LiverCondition condition = LiverCondition::Unknown;
};

struct DemoOutcome
{
  Volumetry volumetry;       ///< on the phantom's true labels
  bool matchesTruth = false; ///< TLV, tumour volume and lesion count equal the truth's
  double bsaM2 = 0.0;
  double standardLiverVolumeMl = 0.0;
  Volumetry automatic;            ///< on the automatic liver and lesion segmentation
  SegmentationMetrics liverScore; ///< the automatic liver against the true one
  std::size_t trueLesions = 0;
  std::size_t trueLesionsFound = 0; ///< true lesions half covered by a detected one
  std::string clinicalPath;         ///< OUT/clinical.json, the demo patient
  AnalysisOutcome analysis;         ///< OUT/analysis/
  nlohmann::json result;            ///< OUT/result.json as written
};

/// Run the demo into request.out. The body (height, weight, formulas) is checked before anything
/// is made (std::invalid_argument); the analysis's errors as runAnalysis throws them.
DemoOutcome runDemo(const DemoRequest& request, const ProgressCallback& progress);

} // namespace liver::pipeline
