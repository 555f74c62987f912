#pragma once
/// The analysis pipeline is liver::pipeline's (liver/pipeline/analysis.h); the CLI prints its
/// tables.

#include "cli_common.h"

#include <liver/pipeline/analysis.h>

namespace liver::cli
{

using pipeline::AnalysisOutcome;
using pipeline::AnalysisRequest;
using pipeline::applyAugmentationOverrides;
using pipeline::PlanAugmentation;
using pipeline::runAnalysis;
using pipeline::writeAnalysis;

/// The comparison tables of the plans and their augmentation predictions, and the decision's
/// summary, on stdout; the plans' warnings logged.
void printAnalysisTables(const AnalysisOutcome& outcome);

} // namespace liver::cli
