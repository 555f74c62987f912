/// report.html from the analysis result's types (model::AnalysisResult): pure rendering, no I/O.

#include <liver/report/encoding.h>
#include <liver/report/report.h>

#include <liver/imaging/palette.h>
#include <liver/model/clinical_json.h>
#include <liver/volumetry/liver_function.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

namespace liver::report
{
namespace
{

namespace fs = std::filesystem;
using Number = std::optional<double>;

/// A number with fixed decimals; "-" when absent.
std::string number(const Number& value, int decimals)
{
  if (!value)
    return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

/// A number with up to 2 decimals (trailing zeros dropped): how free values are shown.
std::string shortNumber(double value)
{
  std::string s = number(value, 2);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.'))
    s.pop_back();
  return s;
}

/// Escaped display text, "-" when empty.
std::string cell(const std::string& value)
{
  return htmlEscape(value.empty() ? "-" : value);
}

template<typename T>
std::string integer(T value)
{
  return std::to_string(value);
}

/// A list joined with ", " ("-" when empty), each item shown by `show`.
template<typename List, typename Show>
std::string joined(const List& list, Show show)
{
  std::string s;
  for (const auto& item : list)
    s += (s.empty() ? "" : ", ") + show(item);
  return s.empty() ? "-" : s;
}

std::string integers(const std::vector<int>& values)
{
  return joined(values, [](int v) { return std::to_string(v); });
}

/// A value a decision rule read, as display text: yes/no, integers, numbers with up to 2
/// decimals, "-" when not known.
std::string traceText(const TraceValue& value)
{
  return std::visit(
    [](const auto& x) -> std::string
    {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, std::monostate>)
        return "-";
      else if constexpr (std::is_same_v<T, bool>)
        return x ? "yes" : "no";
      else if constexpr (std::is_same_v<T, std::int64_t>)
        return std::to_string(x);
      else if constexpr (std::is_same_v<T, double>)
        return shortNumber(x);
      else
        return x;
    },
    value);
}

/// A clinical.json value as display text (as traceText, arrays joined with ", ").
std::string jsonText(const nlohmann::json& value)
{
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_boolean())
    return value.get<bool>() ? "yes" : "no";
  if (value.is_number_integer() || value.is_number_unsigned())
    return value.dump();
  if (value.is_number())
    return shortNumber(value.get<double>());
  if (value.is_null())
    return "-";
  if (value.is_array())
    return joined(value, [](const nlohmann::json& item) { return jsonText(item); });
  return value.dump();
}

/// "27.6 (24.9-30.4)": a value with its band, one decimal.
std::string withBand(const Number& value, const Number& low, const Number& high)
{
  std::string s = number(value, 1);
  if (value && low && high)
    s += " <span class=\"band\">(" + number(low, 1) + "&ndash;" + number(high, 1) + ")</span>";
  return s;
}

std::string row(const std::string& label, const std::string& valueHtml)
{
  return "<tr><th scope=\"row\">" + htmlEscape(label) + "</th><td>" + valueHtml + "</td></tr>\n";
}

std::string yesNo(bool value)
{
  return value ? std::string("<span class=\"ok\">yes</span>")
               : std::string("<span class=\"bad\">no</span>");
}

std::string swatch(const Rgb& c, const std::string& label)
{
  char style[64];
  std::snprintf(style, sizeof style, "background:rgb(%d,%d,%d)", c[0], c[1], c[2]);
  return std::string("<span class=\"swatch\" style=\"") + style + "\"></span>" + htmlEscape(label);
}

std::string listItems(const std::vector<std::string>& items)
{
  std::string html;
  for (const std::string& item : items)
    html += "<li>" + cell(item) + "</li>";
  return html;
}

std::string figure(const ReportImage& image)
{
  std::string html = "<figure class=\"" + htmlEscape(image.kind) + "\">";
  if (!image.png.empty())
    html += "<img src=\"data:image/png;base64," + base64Encode(image.png) + "\" width=\"" +
            std::to_string(image.widthPx) + "\" height=\"" + std::to_string(image.heightPx) +
            "\" alt=\"" + htmlEscape(image.caption) + "\">";
  else
    html += "<div class=\"missing\">image not available: " +
            htmlEscape(image.skipped.empty() ? "not rendered" : image.skipped) + "</div>";
  html += "<figcaption>" + htmlEscape(image.caption) + "</figcaption></figure>\n";
  return html;
}

const char* const Css = R"css(
:root { --ink: #1a1a1a; --muted: #555; --line: #c8c8c8; --head: #eef1f4; --warn: #8a4b00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1100px; padding: 16px 24px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--ink); padding-bottom: 2px; margin-top: 28px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.disclaimer { border: 3px solid #b00020; background: #fff4f4; padding: 10px 14px; margin: 12px 0;
  font-weight: bold; }
table { border-collapse: collapse; margin: 6px 0 12px; width: 100%; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
table.kv th { width: 32%; background: var(--head); font-weight: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px;
  word-break: break-all; }
td.rule { word-break: normal; overflow-wrap: anywhere; width: 20%; }
.band { color: var(--muted); }
.ok { color: #0a6b2d; font-weight: bold; }
.qc-review { border: 3px solid #b00020; background: #fff4f4; padding: 4px 14px; margin: 12px 0; }
.qc-ok { border: 2px solid #0a6b2d; padding: 4px 14px; margin: 12px 0; }
.review-none { border: 3px solid #b00020; background: #fff4f4; padding: 4px 14px; margin: 12px 0; }
.review-done { border: 3px solid #0a6b2d; background: #f2fbf4; padding: 4px 14px; margin: 12px 0; }
.review-edited { border: 3px solid #8a5a00; background: #fff9ec; padding: 4px 14px; margin: 12px 0; }
.bad { color: #b00020; font-weight: bold; }
.note { color: var(--muted); font-size: 12px; }
ul.warnings li { color: var(--warn); }
.figures { display: flex; flex-wrap: wrap; gap: 10px; }
figure { margin: 0; border: 1px solid var(--line); padding: 4px; background: #fff; }
figure.plan-3d { flex: 1 1 45%; }
figure.lesion-axial { flex: 0 1 31%; }
figure img { display: block; width: 100%; height: auto; background: #000; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 3px; }
.missing { padding: 20px; color: var(--warn); background: #fbf6ee; }
.legend span.item { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  vertical-align: -1px; border: 1px solid #333; }
footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { margin-top: 0; }
  section.page, article.plan { break-before: page; }
  h2, h3 { break-after: avoid; }
  table, figure, .disclaimer, tr { break-inside: avoid; }
  figure.lesion-axial { flex-basis: 31%; }
  .disclaimer { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .swatch, figure img { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

/// The units of every liverplan output, as the JSON header names them ("volume mL, ...").
std::string unitsText()
{
  const nlohmann::json header = model::jsonHeader("");
  std::string u;
  for (const auto& item : header.at("units").items())
    u += (u.empty() ? "" : ", ") + item.key() + " " + item.value().get<std::string>();
  return u;
}

std::string coordinatesText()
{
  return model::jsonHeader("").at("coordinates").get<std::string>();
}

std::string versionOf(const model::AnalysisResult& result)
{
  return result.toolVersion.empty() ? model::toolVersion() : result.toolVersion;
}

std::string studySection(const model::CtRecord& ct)
{
  const StudyInfo& study = ct.study;
  const LoadReport& load = ct.load;
  std::string html = "<section id=\"study\"><h2>Patient and study</h2>\n<table class=\"kv\">\n";
  html += row("Patient ID", cell(study.patientId));
  html += row("Study date", cell(study.studyDate));
  html += row("Study description", cell(study.studyDescription));
  html += row("Series description", cell(study.seriesDescription));
  html +=
    row("Study Instance UID", "<span class=\"mono\">" + cell(study.studyInstanceUid) + "</span>");
  html +=
    row("Series Instance UID", "<span class=\"mono\">" + cell(study.seriesInstanceUid) + "</span>");
  html += row("Modality / manufacturer", cell(study.modality) + " / " + cell(study.manufacturer));
  html += row("Contrast phase (guess)", cell(study.contrastPhaseGuess));
  html +=
    row("Slice thickness mm", study.sliceThicknessMm > 0 ? number(study.sliceThicknessMm, 2) : "-");
  html += row("kVp", study.kvp > 0 ? number(study.kvp, 0) : "-");
  html += row("Grid (voxels)", htmlEscape(joined(ct.grid.size, integer<std::uint64_t>)));
  html += row("Spacing mm", htmlEscape(joined(ct.grid.spacingMm, shortNumber)));
  html += row("CT format / files", cell(load.format) + " / " + integer(load.fileCount));
  std::string handling;
  if (load.resampled)
    handling += "resampled to uniform spacing; ";
  if (load.gantryTiltCorrected)
    handling += "gantry tilt corrected; ";
  if (load.missingSlices > 0)
    handling += "missing slices: " + integer(load.missingSlices) + "; ";
  html += row("Loader", handling.empty() ? "as stored" : htmlEscape(handling));
  html += "</table>\n";
  if (!load.warnings.empty())
    html += "<p>Loader notes:</p><ul class=\"warnings\">" + listItems(load.warnings) + "</ul>\n";
  return html + "</section>\n";
}

std::string provenanceSection(const model::AnalysisResult& result)
{
  std::string html = "<section id=\"provenance\"><h2>Input provenance</h2>\n";
  html += "<table class=\"kv\">\n";
  html += row("Software", "liverplan " + cell(versionOf(result)));
  html += row("Output kind", cell(result.kind));
  html += row("Coordinates", cell(coordinatesText()));
  html += row("Units", htmlEscape(unitsText()));
  html += row("Liver condition", cell(toString(result.liverCondition)));
  html += "</table>\n";

  html += "<h3>Input files</h3>\n";
  if (!result.inputFiles.empty())
  {
    html += "<table><thead><tr><th>Role</th><th>Path</th><th class=\"num\">Bytes</th>"
            "<th>SHA-256</th></tr></thead><tbody>\n";
    for (const model::InputFileRecord& in : result.inputFiles)
    {
      std::string digest = "<span class=\"mono\">" + cell(in.sha256.value_or("")) + "</span>";
      if (in.kind == "folder")
        digest += "<div class=\"note\">folder of " +
                  (in.files ? integer(*in.files) : std::string("-")) +
                  " files: SHA-256 of its sorted sha256sum listing</div>";
      if (!in.error.empty())
        digest += "<div class=\"bad\">" + cell(in.error) + "</div>";
      html += "<tr><td>" + cell(in.role) + "</td><td class=\"mono\">" + cell(in.path) +
              "</td><td class=\"num\">" + (in.bytes ? integer(*in.bytes) : std::string("-")) +
              "</td><td>" + digest + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
    if (result.inputFilesHashedBy == "report")
      html += "<p class=\"note\">SHA-256 computed when this report was rendered, from the files "
              "as they were then.</p>\n";
  }
  else
    html += "<p>No input file digests in this result.</p>\n";

  if (!result.labels.sources.empty())
  {
    html += "<h3>Label sources</h3><table><thead><tr><th>Role</th><th>Path</th><th>Format</th>"
            "<th>Detail</th></tr></thead><tbody>\n";
    for (const model::LabelSourceRecord& s : result.labels.sources)
      html += "<tr><td>" + cell(s.role) + "</td><td class=\"mono\">" + cell(s.path) + "</td><td>" +
              cell(s.format) + "</td><td>" + cell(s.detail) + "</td></tr>\n";
    html += "</tbody></table>\n";
  }
  if (!result.labels.notes.empty())
    html += "<ul class=\"warnings\">" + listItems(result.labels.notes) + "</ul>\n";
  // The automatic segmentation's own report is the segmentation module's JSON: its keys name
  // what was segmented.
  if (result.automaticSegmentation.is_object())
  {
    std::string parts;
    for (const auto& item : result.automaticSegmentation.items())
      parts += (parts.empty() ? "" : ", ") + item.key();
    html += "<p>Automatic segmentation was used for: " + htmlEscape(parts) +
            " (review the contours).</p>\n";
  }
  return html + "</section>\n";
}

std::string volumetrySection(const model::AnalysisResult& result)
{
  const model::VolumetryRecord& v = result.volumetry;
  std::string html = "<section id=\"volumetry\" class=\"page\"><h2>Volumetry</h2>\n";
  html += "<table class=\"kv volumetry\">\n";
  html += row("Total liver volume (TLV) mL", number(v.totalLiverMl, 1));
  html += row("Tumour volume mL", number(v.tumourMl, 1));
  html += row("Functional volume (TLV - tumour) mL", number(v.functionalMl, 1));
  html += row("Surface estimate mL", number(v.liverSurfaceMl, 1));
  html += row("Liver voxels", integer(v.liverVoxelCount));
  html += row("Mean liver HU", number(v.liverMeanHu, 1));
  if (const auto& body = result.body)
  {
    // Without a height only the weight is known: no formula, no BSA, no SLV.
    const auto formula = [&](const auto& f) -> std::string {
      return !body->heightCm ? "-" : f ? toString(*f) : "";
    };
    html +=
      row("Height cm / weight kg", number(body->heightCm, 1) + " / " + number(body->weightKg, 1));
    html += row("BSA m² (" + formula(body->bsaFormula) + ")",
                number(body->heightCm ? body->bsaM2 : std::nullopt, 3));
    html += row("Standard liver volume mL (" + formula(body->slvFormula) + ")",
                number(body->heightCm ? body->standardLiverVolumeMl : std::nullopt, 1));
  }
  else
    html += row("Body measurements", "not given (no sFLR)");
  html += "</table>\n";

  if (v.segmentsMl)
  {
    const std::array<double, 9>& ml = *v.segmentsMl;
    html += "<h3>Couinaud segments</h3><table><thead><tr><th>Segment</th>";
    for (int s = 1; s <= 8; ++s)
      html += "<th class=\"num\">" + std::to_string(s) + "</th>";
    html += "</tr></thead><tbody><tr><th scope=\"row\">mL</th>";
    for (int s = 1; s <= 8; ++s)
      html += "<td class=\"num\">" + number(ml[s], 1) + "</td>";
    html += "</tr>";
    if (v.functionalMl > 0)
    {
      html += "<tr><th scope=\"row\">% of functional</th>";
      for (int s = 1; s <= 8; ++s)
        html += "<td class=\"num\">" + number(volumePercent(ml[s], v.functionalMl), 1) + "</td>";
      html += "</tr>";
    }
    html += "</tbody></table>\n";
    // The segment report is the segmentation module's JSON; its description says how.
    const nlohmann::json& method =
      result.segments.is_object() && result.segments.contains("description")
        ? result.segments.at("description")
        : nlohmann::json();
    if (method.is_string())
      html += "<p class=\"note\">Segments: " + cell(method.get<std::string>()) + "</p>\n";
  }

  html += "<h3>Lesions</h3>\n";
  if (!v.lesions.empty())
  {
    html += "<table class=\"lesions\"><thead><tr><th>Lesion</th><th class=\"num\">Volume mL</th>"
            "<th class=\"num\">Max diameter mm</th><th class=\"num\">Mean HU</th>"
            "<th>Centroid LPS mm</th><th>Segments</th></tr></thead><tbody>\n";
    for (const model::LesionRecord& l : v.lesions)
    {
      std::string centroid;
      for (double c : l.centroidLpsMm)
        centroid += (centroid.empty() ? "" : ", ") + number(c, 1);
      html += "<tr><td>" + integer(l.id) + "</td><td class=\"num\">" + number(l.volumeMl, 2) +
              "</td><td class=\"num\">" + number(l.maxDiameterMm, 1) + "</td><td class=\"num\">" +
              number(l.meanHu, 0) + "</td><td>" + htmlEscape(centroid) + "</td><td>" +
              cell(integers(l.segments)) + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  else
    html += "<p>No lesion.</p>\n";
  return html + "</section>\n";
}

std::string legend()
{
  return "<p class=\"legend\"><span class=\"item\">" + swatch(RemnantColour, "remnant") +
         "</span><span class=\"item\">" + swatch(ResectedColour, "resected") +
         "</span><span class=\"item\">" + swatch(AblationColour, "ablation zone") +
         "</span><span class=\"item\">" + swatch(LesionResectedColour, "lesion resected") +
         "</span><span class=\"item\">" + swatch(LesionAblatedColour, "lesion ablated") +
         "</span><span class=\"item\">" + swatch(LesionLeftColour, "lesion left") +
         "</span></p>\n<p class=\"note\">3D: views from the front (anterior) and the back "
         "(posterior); lesions and ablation zones are drawn over the liver so that none is "
         "hidden. Axial slices: radiological orientation (patient right on the image left), "
         "W400/L40, the cross marks the lesion centroid.</p>\n";
}

std::string augmentationTable(const model::PlanAugmentationRecord& augmentation)
{
  std::string html = "<h4>FLR augmentation (predicted sFLR %)</h4>\n";
  if (augmentation.verdict)
    html += "<p>Verdict: <strong>" + cell(*augmentation.verdict) + "</strong></p>\n";
  bool any = false;
  std::string rows;
  std::vector<std::string> sources;
  for (const auto& [prediction, label] :
       { std::pair<const std::optional<AugmentationPrediction>*, const char*>{ &augmentation.pve,
                                                                               "PVE" },
         { &augmentation.alpps, "ALPPS" },
         { &augmentation.twoStage, "Two-stage" } })
  {
    if (!*prediction)
      continue;
    const AugmentationPrediction& p = **prediction;
    any = true;
    std::string low = "-", median = "-", high = "-";
    for (const AugmentationScenario* sc : { &p.low, &p.median, &p.high })
    {
      const std::string value =
        number(sc->predictedSflrPercent, 1) + (sc->reachesThreshold ? " &#10003;" : "");
      (sc->name == "low" ? low : sc->name == "median" ? median : high) = value;
    }
    std::string notCompleted = "-";
    if (p.notCompletedLowPercent)
      notCompleted =
        number(p.notCompletedLowPercent, 0) + "&ndash;" + number(p.notCompletedHighPercent, 0);
    rows += "<tr><th scope=\"row\">" + std::string(label) + "</th><td class=\"num\">" +
            number(p.startSflrPercent, 1) + "</td><td class=\"num\">" + low +
            "</td><td class=\"num\">" + median + "</td><td class=\"num\">" + high +
            "</td><td class=\"num\">" + number(p.waitWeeks, 1) + "</td><td class=\"num\">" +
            number(p.earliestMedianWeek, 1) + "</td><td class=\"num\">" + notCompleted +
            "</td></tr>\n";
    for (const std::string& s : p.sources)
      if (std::find(sources.begin(), sources.end(), s) == sources.end())
        sources.push_back(s);
  }
  if (any)
  {
    html += "<table class=\"augmentation\"><thead><tr><th>Strategy</th>"
            "<th class=\"num\">sFLR start</th><th class=\"num\">Low</th>"
            "<th class=\"num\">Median</th><th class=\"num\">High</th>"
            "<th class=\"num\">Wait weeks</th><th class=\"num\">Earliest week (median)</th>"
            "<th class=\"num\">% not completed</th></tr></thead><tbody>\n" +
            rows + "</tbody></table>\n";
    html += "<p class=\"note\">&#10003; reaches the threshold. Sources: ";
    for (std::size_t i = 0; i < sources.size(); ++i)
      html += (i ? "; " : "") + htmlEscape(sources[i]);
    html += ".</p>\n";
  }
  return html + "<p class=\"note\">" + cell(augmentation.note) + "</p>\n";
}

/// The plan's specification as result.json names it (its own text, else the canonical one).
std::string specOf(const model::PlanRecord& plan)
{
  if (!plan.spec.empty())
    return plan.spec;
  ResectionPlan named = plan.plan;
  named.name = plan.result.name;
  return planSpec(named);
}

std::string planArticle(const model::PlanRecord& plan,
                        int k,
                        const std::vector<ReportImage>& images)
{
  const PlanResult& r = plan.result;
  const std::optional<FlrBand>& band = r.band;
  const auto low = [&](auto member) { return band ? Number((*band).*member) : std::nullopt; };
  std::string html = "<article class=\"plan\" id=\"plan-" + std::to_string(k) + "\"><h3>Plan " +
                     std::to_string(k) + ": " + cell(r.name) + "</h3>\n";
  if (plan.proposed)
    html += "<p class=\"note\">Proposed by --auto-plan (rank " +
            (plan.rank ? integer(*plan.rank) : std::string("-")) + ").</p>\n";
  html += "<table class=\"kv\">\n";
  html += row("Specification", "<span class=\"mono\">" + cell(specOf(plan)) + "</span>");
  html += row("Remnant mL",
              withBand(r.remnantMl, low(&FlrBand::remnantMlLow), low(&FlrBand::remnantMlHigh)));
  html += row("Resected / ablated mL", number(r.resectedMl, 1) + " / " + number(r.ablatedMl, 1));
  html += row("FLR % of functional volume",
              withBand(r.flrPercent, low(&FlrBand::flrPercentLow), low(&FlrBand::flrPercentHigh)));
  html += row("sFLR % of standard liver volume",
              withBand(r.sflrPercent,
                       band ? band->sflrPercentLow : std::nullopt,
                       band ? band->sflrPercentHigh : std::nullopt));
  if (band)
    html += row("Band", cell("liver boundary moved by one voxel in and out"));
  html += row("FLR / body weight %", number(r.flrBodyWeightPercent, 2));
  html += row("Threshold",
              number(r.thresholdPercent, 0) + " % " + cell(r.thresholdBasis) + " (" +
                cell(r.thresholdSource) + ")");
  html += row("Remnant adequate (volume, contiguity)", yesNo(r.pass));
  if (!r.passReasons.empty())
    html += row("Reasons", "<ul>" + listItems(r.passReasons) + "</ul>");
  html += row("Margin status",
              (r.r0 ? "<span class=\"ok\">" : "<span class=\"bad\">") + cell(r.marginStatus) +
                "</span> " + cell(r.marginReason));
  html += row("Segments left",
              cell(integers(r.segmentsLeft)) +
                (r.contiguous ? std::string(*r.contiguous ? " (contiguous)" : " (not contiguous)")
                              : std::string()));
  html += row("Remnant pieces", integer(r.remnantPieces));
  html += "</table>\n";
  html += "<p class=\"note\">" + cell(r.thresholdRationale) + "</p>\n";

  if (!r.lesions.empty())
  {
    html += "<h4>Lesions</h4><table class=\"fates\"><thead><tr><th>Lesion</th><th>Fate</th>"
            "<th class=\"num\">Margin mm</th><th class=\"num\">Volume mL</th>"
            "<th class=\"num\">Vessel distance mm</th><th>Notes</th></tr></thead><tbody>\n";
    for (const LesionOutcome& l : r.lesions)
    {
      const std::string margin = l.transected ? "cut through" : number(l.marginMm, 1);
      std::string notes;
      for (const std::string& w : l.warnings)
        notes += (notes.empty() ? "" : "; ") + w;
      html += "<tr><td>" + integer(l.id) + "</td><td>" + cell(toString(l.fate)) +
              "</td><td class=\"num\">" + margin + "</td><td class=\"num\">" +
              number(l.volumeMl, 2) + "</td><td class=\"num\">" + number(l.vesselDistanceMm, 1) +
              "</td><td>" + htmlEscape(notes) + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  html += augmentationTable(plan.augmentation);
  if (!r.warnings.empty())
    html += "<h4>Warnings</h4><ul class=\"warnings\">" + listItems(r.warnings) + "</ul>\n";
  std::string figures3d, slices;
  for (const ReportImage& image : images)
    if (image.plan == k)
      (image.kind == "plan-3d" ? figures3d : slices) += figure(image);
  if (!figures3d.empty() || !slices.empty())
    html += "<h4>Images</h4>\n";
  if (!figures3d.empty())
    html += "<div class=\"figures\">" + figures3d + "</div>\n";
  if (!slices.empty())
    html += "<div class=\"figures\">" + slices + "</div>\n";
  return html + "</article>\n";
}

std::string plansSection(const std::vector<model::PlanRecord>& plans,
                         const std::vector<ReportImage>& images)
{
  std::string html = "<section id=\"plans\" class=\"page\"><h2>Resection plans</h2>\n";
  if (plans.empty())
    return html + "<p>No resection plan was simulated.</p></section>\n";
  html +=
    "<table class=\"comparison\"><thead><tr><th>Plan</th><th class=\"num\">Remnant mL</th>"
    "<th class=\"num\">FLR %</th><th class=\"num\">sFLR %</th>"
    "<th class=\"num\">Threshold %</th><th>Remnant ok</th><th>Margin</th></tr></thead><tbody>\n";
  int k = 0;
  for (const model::PlanRecord& plan : plans)
  {
    ++k;
    const PlanResult& r = plan.result;
    const std::optional<FlrBand>& band = r.band;
    html += "<tr><td>" + std::to_string(k) + ". " + cell(r.name) + "</td><td class=\"num\">" +
            number(r.remnantMl, 1) + "</td><td class=\"num\">" +
            withBand(r.flrPercent,
                     band ? Number(band->flrPercentLow) : std::nullopt,
                     band ? Number(band->flrPercentHigh) : std::nullopt) +
            "</td><td class=\"num\">" +
            withBand(r.sflrPercent,
                     band ? band->sflrPercentLow : std::nullopt,
                     band ? band->sflrPercentHigh : std::nullopt) +
            "</td><td class=\"num\">" + number(r.thresholdPercent, 0) + " " +
            cell(r.thresholdBasis) + "</td><td>" + yesNo(r.pass) + "</td><td>" +
            cell(r.marginStatus) + "</td></tr>\n";
  }
  html += "</tbody></table>\n";
  html += "<p class=\"note\">Bands: the liver boundary moved by one voxel in and out. R0 = no "
          "lesion left in the remnant and every margin &ge; 1 mm; R2 = tumour left in the "
          "remnant.</p>\n";
  if (std::any_of(images.begin(), images.end(), [](const ReportImage& i) { return i.plan > 0; }))
    html += legend();
  k = 0;
  for (const model::PlanRecord& plan : plans)
    html += planArticle(plan, ++k, images);
  return html + "</section>\n";
}

std::string decisionSection(const model::AnalysisResult& result)
{
  std::string html = "<section id=\"decision\" class=\"page\"><h2>Decision</h2>\n";
  if (result.clinical)
  {
    // The given fields under their clinical.json names (the model's one clinical writer).
    const nlohmann::json clinical = model::clinicalJson(*result.clinical);
    if (clinical.is_object() && !clinical.empty())
    {
      html += "<h3>Clinical data</h3><table class=\"kv clinical\">\n";
      for (const auto& item : clinical.items())
        html += row(item.key(), cell(jsonText(item.value())));
      html += "</table>\n";
    }
  }
  if (!result.decision)
    return html + "<p class=\"decision-absent\"><strong>no clinical data: decision not "
                  "made</strong></p>\n<p class=\"note\">Give the clinical data (primary tumour, "
                  "performance status, extrahepatic disease, liver condition, ...) for the "
                  "resectability rules.</p></section>\n";
  const Decision& d = *result.decision;
  html += "<table class=\"kv\">\n";
  html += row("Category",
              "<strong>" + cell(d.categoryText) + "</strong> <span class=\"note\">(" +
                cell(d.category) + ")</span>");
  html += "</table>\n";
  if (!d.strategies.empty())
  {
    html += "<h3>Strategies, in order</h3><ol class=\"strategies\">";
    for (const Strategy& s : d.strategies)
      html += "<li>" + cell(s.text) + " <span class=\"note\">(" + cell(s.id) + ")</span></li>";
    html += "</ol>\n";
  }
  if (!d.warnings.empty())
  {
    html += "<h3>Warnings</h3><ul class=\"warnings\">";
    for (const DecisionWarning& w : d.warnings)
      html += "<li>" + cell(w.text) + " <span class=\"note\">(" + cell(w.ruleId) + ")</span></li>";
    html += "</ul>\n";
  }
  if (!d.trace.empty())
  {
    html += "<h3>Trace: every rule that fired</h3><table class=\"trace\"><thead><tr><th>Rule</th>"
            "<th>Inputs</th><th>Conclusion</th><th>Source</th></tr></thead><tbody>\n";
    for (const TraceEntry& t : d.trace)
    {
      // By name, as result.json lists them (a name read twice: its last value).
      std::map<std::string, TraceValue> byName;
      for (const auto& [name, value] : t.inputs)
        byName[name] = value;
      std::string inputs;
      for (const auto& [name, value] : byName)
        inputs += "<div>" + htmlEscape(name) + " = " + cell(traceText(value)) + "</div>";
      html += "<tr><td class=\"mono rule\">" + cell(t.ruleId) + "</td><td>" +
              (inputs.empty() ? "-" : inputs) + "</td><td>" + cell(t.conclusion) + "</td><td>" +
              cell(t.source) + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  if (!d.sources.empty())
    html += "<h3>Sources</h3><ul class=\"sources\">" + listItems(d.sources) + "</ul>\n";
  html += "<p class=\"disclaimer\">" + cell(model::DecisionSupportDisclaimer) + "</p>\n";
  return html + "</section>\n";
}

std::string imagesWithoutPlan(std::size_t plans, const std::vector<ReportImage>& images)
{
  std::string figures;
  for (const ReportImage& image : images)
    if (image.plan <= 0 || image.plan > static_cast<int>(plans))
      figures += figure(image);
  if (figures.empty())
    return "";
  return "<section id=\"images\" class=\"page\"><h2>Lesion slices</h2>\n<p class=\"legend\">" +
         swatch(SliceLiverColour, "liver outline") + " " + swatch(LesionLeftColour, "lesion") +
         "</p>\n<div class=\"figures\">" + figures + "</div></section>\n";
}

std::string imageNotes(const std::vector<ReportImage>& images)
{
  std::map<std::string, int> reasons;
  for (const ReportImage& image : images)
    if (image.png.empty())
      ++reasons[image.skipped.empty() ? "not rendered" : image.skipped];
  if (reasons.empty())
    return "";
  std::string html = "<div class=\"image-notes\"><p><strong>Images not in this report:</strong></p>"
                     "<ul class=\"warnings\">";
  for (const auto& [reason, count] : reasons)
    html += "<li>" + std::to_string(count) + " image(s): " + htmlEscape(reason) + "</li>";
  return html + "</ul></div>\n";
}

/// Quality control of the automatic segmentation, shown at the top: a user must see when not to
/// trust the result. Nothing when every label was imported (no QC in the result).
std::string qualityControlBanner(const model::AnalysisResult& result)
{
  std::string phaseText;
  if (const auto& phase = result.contrastPhase)
  {
    // How the phase was measured is the segmentation module's text in its estimate.
    const nlohmann::json& detail = phase->detail;
    const std::string how =
      detail.is_object() && detail.contains("how") ? jsonText(detail["how"]) : std::string("-");
    phaseText = "<p>Contrast phase measured on the CT: <b>" + cell(phase->phase) +
                "</b> (confidence " + number(phase->confidence, 2) + "; " + cell(how) + ").</p>";
  }
  if (!result.qc)
    return phaseText.empty() ? std::string() : "<section id=\"qc\">" + phaseText + "</section>\n";
  const bool ok = result.qc->status == model::QcStatus::Ok;
  std::string html = "<section id=\"qc\" class=\"" + std::string(ok ? "qc-ok" : "qc-review") +
                     "\"><h2>Automatic segmentation: " +
                     (ok ? std::string("quality control ok")
                         : std::string("REVIEW NEEDED before using these numbers")) +
                     "</h2>";
  if (!ok)
    html += "<ul>" + listItems(result.qc->reasons) + "</ul>";
  else
    html += "<p>Plausibility checks passed (volume, HU, surface, scan coverage, pieces, "
            "lesions); they catch gross errors, not every error: check the outlines.</p>";
  return html + phaseText + "</section>\n";
}

/// Whether a person looked at the segmentation the numbers were measured on: automatic and
/// unreviewed, imported (no review recorded), reviewed without change, or edited with the edit
/// log's totals. Near the top of the report, framed like the disclaimer when unreviewed.
std::string reviewBanner(const model::SegmentationProvenance& seg)
{
  const std::string status = model::toString(seg.review);
  const auto orDash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  const std::string who =
    htmlEscape(orDash(seg.reviewedBy)) + " on " + htmlEscape(orDash(seg.reviewedAt));
  std::string cls = "review-none", title, body;
  if (seg.review == model::ReviewStatus::Reviewed)
  {
    cls = "review-done";
    title = "Segmentation reviewed, unchanged";
    body = "<p>Reviewed by <b>" + who + "</b> in the LiverPlan editor; no voxel was changed.</p>";
  }
  else if (seg.review == model::ReviewStatus::Edited)
  {
    const std::optional<model::EditTotals>& e = seg.edits;
    const auto ml = [&](double model::EditTotals::*member)
    { return number(e ? Number((*e).*member) : std::nullopt, 1); };
    const auto count = [&](std::size_t model::EditTotals::*member)
    { return e ? integer((*e).*member) : std::string("-"); };
    cls = "review-edited";
    title = "Segmentation EDITED by a reviewer";
    body = "<p>Edited by <b>" + who + "</b>: " + count(&model::EditTotals::operations) +
           " operation(s) in effect; liver +" + ml(&model::EditTotals::liverAddedMl) +
           " / &minus;" + ml(&model::EditTotals::liverRemovedMl) + " mL; tumour +" +
           ml(&model::EditTotals::tumourAddedMl) + " / &minus;" +
           ml(&model::EditTotals::tumourRemovedMl) + " mL; lesions added " +
           count(&model::EditTotals::lesionsAdded) + ", removed " +
           count(&model::EditTotals::lesionsRemoved) + ". Edit log: <span class=\"mono\">" +
           cell(e ? e->logFile : "") + "</span>.</p>";
  }
  else if (seg.review == model::ReviewStatus::ImportedUnreviewed)
  {
    title = "Segmentation imported, no review recorded";
    body = "<p>Every label was given as a file; LiverPlan has no record that anyone reviewed "
           "it. Check the outlines, or review them in <code>liverplan view</code>.</p>";
  }
  else
  {
    title = "Segmentation AUTOMATIC, NOT REVIEWED";
    body = "<p>The volumes below were measured on liverplan's automatic segmentation, which "
           "nobody has reviewed. Review (and correct) it in <code>liverplan view</code> before "
           "using these numbers.</p>";
  }
  return "<section id=\"review\" class=\"" + cls + "\" data-review=\"" + htmlEscape(status) +
         "\"><h2>" + title + "</h2>" + body + "</section>\n";
}

} // namespace

std::string renderReportHtml(const model::AnalysisResult& result,
                             const std::vector<ReportImage>& images)
{
  const StudyInfo& study = result.ct.study;
  std::string subject = study.patientId;
  if (subject.empty() || subject == "-")
    subject = fs::path(result.ct.load.source).filename().string();
  const std::string disclaimer = model::DecisionSupportDisclaimer;
  const std::string version = cell(versionOf(result));

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"liverplan " +
                     version + "\">\n<title>LiverPlan report: " + htmlEscape(subject) +
                     "</title>\n<style>" + Css + "</style>\n</head>\n<body>\n";
  html += "<header><h1>LiverPlan report</h1><p class=\"sub\">" + htmlEscape(subject) +
          " &middot; study date " + cell(study.studyDate) + " &middot; liverplan " + version +
          " &middot; " + cell(result.kind) + "</p></header>\n";
  html += "<div class=\"disclaimer\" id=\"disclaimer\" role=\"note\">" + htmlEscape(disclaimer) +
          "</div>\n";
  html += reviewBanner(result.segmentation);
  html += qualityControlBanner(result);
  html += studySection(result.ct);
  html += provenanceSection(result);
  html += volumetrySection(result);
  html += plansSection(result.plans, images);
  html += imagesWithoutPlan(result.plans.size(), images);
  html += decisionSection(result);
  html += imageNotes(images);
  html += "<footer><div class=\"disclaimer\">" + htmlEscape(disclaimer) +
          "</div><p>Made by liverplan " + version +
          " from result.json; every number above is in that file. " + cell(coordinatesText()) +
          ".</p></footer>\n</body>\n</html>\n";
  return html;
}

} // namespace liver::report
