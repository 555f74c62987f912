#include <liver/pipeline/segmentation_json.h>

#include <string>

namespace liver::pipeline
{

model::LabelsRecord labelsRecord(const ImportedLabels& imported)
{
  model::LabelsRecord record;
  for (const LabelSource& source : imported.sources)
  {
    model::LabelSourceRecord s{ source.role, source.path, source.format, source.detail, "" };
    const std::string mapped = source.path + ": " + LabelGridMappingNote + ": ";
    for (const std::string& note : imported.notes)
      if (note.rfind(mapped, 0) == 0)
        s.labelGridMapping = note.substr(mapped.size());
    record.sources.push_back(s);
  }
  record.notes = imported.notes;
  return record;
}

nlohmann::json importedLabelsJson(const ImportedLabels& imported)
{
  return model::toJson(labelsRecord(imported));
}

/// Segments made from planes as JSON: report, planes {point, normal} and the caudate rule.
nlohmann::json couinaudJson(const CouinaudResult& result)
{
  const auto planeJson = [](const SegmentPlane& p)
  {
    return nlohmann::json{ { "name", p.name },
                           { "pointLpsMm",
                             { p.pointLpsMm.x(), p.pointLpsMm.y(), p.pointLpsMm.z() } },
                           { "normal", { p.normal.x(), p.normal.y(), p.normal.z() } },
                           { "positiveSide", p.positiveSide },
                           { "rmsResidualMm", p.rmsResidualMm } };
  };
  const CouinaudPlanes& pl = result.planes;
  const CaudateRegion& c = pl.caudate;
  nlohmann::json j = segmentReportJson(result.report);
  j["planes"] = { { "cantlie", planeJson(pl.cantlie) },
                  { "rightSector", planeJson(pl.rightSector) },
                  { "umbilical", planeJson(pl.umbilical) },
                  { "transverse", planeJson(pl.transverse) } };
  const Eigen::Vector3d top = c.ivcPointLpsMm + c.topAlongAxisMm * c.ivcDirection;
  j["caudate"] = {
    { "rule",
      "segment 1 = liver below the confluence (along the IVC axis), within radiusMm of the IVC "
      "axis, posterior to the coronal plane through the portal bifurcation (y > bifurcationYMm) "
      "and to the patient's left of the IVC's right wall (axis x - ivcRadiusMm)" },
    { "ivcPointLpsMm", { c.ivcPointLpsMm.x(), c.ivcPointLpsMm.y(), c.ivcPointLpsMm.z() } },
    { "ivcDirection", { c.ivcDirection.x(), c.ivcDirection.y(), c.ivcDirection.z() } },
    { "ivcSource", c.ivcSource },
    { "confluenceLpsMm", { top.x(), top.y(), top.z() } },
    { "radiusMm", c.radiusMm },
    { "ivcRadiusMm", c.ivcRadiusMm },
    { "bifurcationYMm", c.bifurcationYMm }
  };
  return j;
}

/// Method, per-segment mL and voxels, warnings.
nlohmann::json segmentReportJson(const SegmentReport& report)
{
  nlohmann::json volumes = nlohmann::json::object();
  nlohmann::json voxels = nlohmann::json::object();
  for (int s = 1; s <= 8; ++s)
  {
    volumes[std::to_string(s)] = report.volumeMl[s];
    voxels[std::to_string(s)] = report.voxels[s];
  }
  return { { "method", toString(report.method) },
           { "description", report.description },
           { "segmentVolumeMl", volumes },
           { "segmentVoxels", voxels },
           { "unassignedLiverVoxels", report.voxels[0] },
           { "warnings", report.warnings } };
}

nlohmann::json segmentationReportJson(const LiverSegmentationReport& r)
{
  return { { "workingSpacingMm", r.workingSpacingMm },
           { "bodyVolumeMl", r.bodyVolumeMl },
           { "lungsFound", r.lungsFound },
           { "lungBaseZMm", r.lungBaseZMm },
           { "priorZRangeMm", r.priorZRangeMm },
           { "huMode", r.huMode },
           { "huSigma", r.huSigma },
           { "huBand", { r.huLow, r.huHigh } },
           { "componentsAfterErosion", r.componentsAfterErosion },
           { "choice", r.choice },
           { "chosenComponentMl", r.chosenComponentMl },
           { "chosenCentroidLpsMm", r.chosenCentroidLpsMm },
           { "liverVolumeMl", r.volumeMl },
           { "shapePrior",
             { { "used", r.shapePrior.used },
               { "path", r.shapePrior.path },
               { "shapes", r.shapePrior.shapes },
               { "note", r.shapePrior.note },
               { "centreLpsMm", r.shapePrior.fit.centreLpsMm },
               { "scaleMm", r.shapePrior.fit.scaleMm },
               { "massInScan", r.shapePrior.fit.massInScan },
               { "componentsAdded", r.shapePrior.componentsAdded },
               { "agreementDice", r.shapePrior.agreementDice } } },
           { "steps", r.steps } };
}

nlohmann::json contrastPhaseJson(const ContrastPhaseEstimate& e)
{
  auto optional = [](const std::optional<double>& v)
  { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return { { "phase", toString(e.phase) },
           { "aortaHu", optional(e.aortaHu) },
           { "portalVeinHu", optional(e.portalVeinHu) },
           { "liverHu", optional(e.liverHu) },
           { "confidence", e.confidence },
           { "how", e.how },
           { "aortaLpsMm", e.aortaHu ? nlohmann::json(e.aortaLpsMm) : nlohmann::json(nullptr) },
           { "aortaSlices", e.aortaSlices } };
}

nlohmann::json qualityControlJson(const QualityControl& qc)
{
  nlohmann::json checks = nlohmann::json::array();
  for (const QualityCheck& c : qc.checks)
    checks.push_back({ { "id", c.id },
                       { "passed", c.passed },
                       { "assessed", c.assessed },
                       { "value", c.value },
                       { "reason", c.reason } });
  return { { "status", qc.status },
           { "reasons", qc.reasons },
           { "checks", checks },
           { "liverVolumeMl", qc.liverVolumeMl },
           { "liverHu", { { "mean", qc.meanHu }, { "sd", qc.sdHu }, { "skewness", qc.skewness } } },
           { "fatFraction", qc.fatFraction },
           { "boneFraction", qc.boneFraction },
           { "surfaceRatio", qc.surfaceRatio },
           { "components", qc.components },
           { "detachedMl", qc.detachedMl },
           { "lesionCount", qc.lesionCount },
           { "tumourMl", qc.tumourMl } };
}

nlohmann::json lesionDetectionJson(const LesionSegmentation& detected)
{
  const LesionSegmentationReport& r = detected.report;
  nlohmann::json weighed = nlohmann::json::array();
  for (const LesionCandidate& c : r.weighed)
    weighed.push_back({ { "id", c.id },
                        { "decision", c.decision },
                        { "confidence", c.confidence },
                        { "volumeMl", c.volumeMl },
                        { "diameterMm", c.diameterMm },
                        { "meanHu", c.meanHu },
                        { "contrastSd", c.contrastSd },
                        { "edgeContrastSd", c.edgeContrastSd },
                        { "blobness", c.blobness },
                        { "thicknessMm", c.thicknessMm },
                        { "elongation", c.elongation },
                        { "depthMm", c.depthMm },
                        { "vesselRimFraction", c.vesselRimFraction },
                        { "outsideLiverMl", c.outsideMl },
                        { "centroidLpsMm", c.centroidLpsMm } });
  return { { "found", detected.count },
           { "phase", r.phase },
           { "hyperdense", r.hyperdense },
           { "minReportableDiameterMm", r.minDiameterMm },
           { "gridMm", r.gridMm },
           { "liverMedianHu", r.liverMedianHu },
           { "liverSigmaHu", r.liverSigmaHu },
           { "coreThresholdHu", r.coreThresholdHu },
           { "candidates", r.candidates },
           { "rejectedSmall", r.rejectedSmall },
           { "rejectedTubular", r.rejectedElongated },
           { "rejectedFat", r.rejectedFat },
           { "rejectedOther", r.rejectedOther },
           { "addedToLiverMl", detected.addedToLiverMl },
           { "candidatesWeighed", weighed },
           { "steps", r.steps } };
}

} // namespace liver::pipeline
