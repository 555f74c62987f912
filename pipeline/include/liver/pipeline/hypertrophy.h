#pragma once
/// Measured growth of the future remnant between two studies (before and after PVE): DH, KGR and
/// Shindoh's verdict (DESIGN.md section 3, FLR augmentation), what `liverplan hypertrophy` shows.
///
/// Two ways: compare the plan results of two analyses (`compareAnalyses`), or re-measure the
/// first analysis's plans on the second CT (`remeasurePlans`, issue 5): the second study goes
/// through the analysis pipeline, anatomical plans with its own segments, plane plans with their
/// planes mapped by a rigid registration of the second CT onto the first.

#include <liver/imaging/registration.h>
#include <liver/model/result.h>
#include <liver/pipeline/analysis.h>
#include <liver/pipeline/progress.h>
#include <liver/planning/augmentation.h>
#include <liver/planning/plan.h>
#include <liver/planning/resection.h>
#include <liver/segmentation/label_import.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace liver::pipeline
{

/// Weeks between the StudyDates (ct.study.studyDate, YYYYMMDD) of two results; InputError naming
/// the file without a date, or the second file when its date is not after the first.
double weeksBetween(const model::AnalysisResult& before,
                    const std::string& beforePath,
                    const model::AnalysisResult& after,
                    const std::string& afterPath);

/// The cut-offs a measured growth is judged by (Shindoh's KGR and DH): the augmentationParameters
/// the first analysis recorded (what analyze/plan were given; `decide` judges that analysis's
/// predictions by them), else the defaults of AugmentationParameters.
struct GrowthCutOffs
{
  AugmentationParameters parameters;
  bool fromResult = false; ///< the first result recorded them (else the defaults)
  std::string text;        ///< e.g. "augmentationParameters of a.json"
};
GrowthCutOffs growthCutOffsOf(const model::AnalysisResult& before, const std::string& beforePath);

/// `hypertrophy --before A --after B`: one plan in both results.
struct HypertrophyComparison
{
  std::string beforeFile, afterFile;
  std::string planName; ///< the plan compared (the first when none was asked for)
  double flrBeforeMl = 0.0, flrAfterMl = 0.0;
  double weeks = 0.0;
  std::string weeksFrom; ///< "--weeks" (given) or "StudyDate"
  GrowthCutOffs cutOffs; ///< of the first result
  HypertrophyAssessment assessment;
};

/// Compare the plan named `planName` (or the first) of two results; `weeks` when given, else from
/// the StudyDates. The sFLR after growth is judged by the threshold of the second study's plan
/// result (the liver condition's or the user's), KGR and DH by the first result's cut-offs
/// (growthCutOffsOf). InputError naming the file for a result without
/// plans, without that plan, without its sFLR, or without a usable StudyDate.
HypertrophyComparison compareAnalyses(const model::AnalysisResult& before,
                                      const std::string& beforePath,
                                      const model::AnalysisResult& after,
                                      const std::string& afterPath,
                                      const std::string& planName,
                                      std::optional<double> weeks);

/// What `hypertrophy --json` writes for a comparison (with the JSON header and the disclaimer).
nlohmann::json toJson(const HypertrophyComparison& comparison);

/// `hypertrophy --before A --after-ct CT`: the first analysis's plans on the second study.
struct RemeasureRequest
{
  std::string beforeResult;       ///< result.json of the first analysis (plan/analyze)
  std::string planName;           ///< only this plan (empty: all)
  std::optional<double> weeks;    ///< else from the StudyDates
  std::string afterCt;            ///< the second CT (file or DICOM folder)
  LabelImportOptions afterImport; ///< its labels (what is not given is segmented)
  std::string afterFormat = "auto";
  std::string beforeCt;    ///< the first CT (default: ct.load.source of the first result)
  std::string beforeLiver; ///< its liver (default: files.liver beside it, or the imported liver)
  std::string afterOut;    ///< where the second analysis is written (empty: not written)
  RigidRegistrationOptions registration;
};

/// The rigid registration of the second CT (moving) onto the first (fixed), with its inputs.
struct RemeasureRegistration
{
  RigidRegistration registration;
  std::string fixedCt, fixedLiver, movingCt;
  bool movingLiver = false; ///< whether the second liver was given (else no Dice)
};

/// One plan of the first analysis and its result on each study.
struct RemeasuredPlan
{
  ResectionPlan plan;         ///< as drawn on the first study
  ResectionPlan planOnSecond; ///< its planes mapped onto the second study
  PlanResult before, after;   ///< on the first and the second study
  HypertrophyAssessment assessment;
};

struct RemeasureOutcome
{
  std::vector<RemeasuredPlan> plans;
  double weeks = 0.0;
  std::string weeksFrom;                             ///< "--weeks" or "StudyDate"
  GrowthCutOffs cutOffs;                             ///< of the first result
  std::optional<RemeasureRegistration> registration; ///< with a plane plan or --before-ct
  AnalysisRequest analysisRequest; ///< the second study's analysis, for writeAnalysis
  AnalysisOutcome analysis;
};

/// Evaluate the first analysis's plans on the second study (its predictions and the verdict with
/// the first result's augmentation parameters); writes nothing (the caller writes
/// `analysis` with writeAnalysis when it wants the second study's files). InputError naming the
/// first result for missing plans, specs, sFLR, height and weight, a segment plan without the
/// second study's segments, a first CT or liver that cannot be found; ProcessingError when a plan
/// has no sFLR on the second study. Steps go to `progress`.
RemeasureOutcome remeasurePlans(const RemeasureRequest& request, const ProgressCallback& progress);

/// What `hypertrophy --after-ct ... --json` writes (header, disclaimer, every plan, the first at
/// the top level as a comparison has it, the registration).
nlohmann::json toJson(const RemeasureRequest& request, const RemeasureOutcome& outcome);

/// The registration as JSON (method, inputs, transforms both ways, quality).
nlohmann::json registrationJson(const RemeasureRegistration& registration);

} // namespace liver::pipeline
