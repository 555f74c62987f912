/// report.html from result.json: HTML rendering (pure), its images, and input-file SHA-256.

#include <liver/report/encoding.h>
#include <liver/report/report.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/safe_path.h>
#include <liver/viewer/report_images.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace liver::report
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

// ---- JSON access that never throws on absent fields ----

const json& field(const json& j, const char* key)
{
  static const json null;
  return j.is_object() && j.contains(key) ? j.at(key) : null;
}

std::string number(const json& value, int decimals)
{
  if (!value.is_number())
    return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value.get<double>());
  return text;
}

/// Any JSON value as display text: strings as they are, numbers with up to 2 decimals, booleans
/// yes/no, null "-", arrays joined with ", ", objects as compact JSON.
std::string text(const json& value)
{
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_boolean())
    return value.get<bool>() ? "yes" : "no";
  if (value.is_number_integer() || value.is_number_unsigned())
    return value.dump();
  if (value.is_number())
  {
    std::string s = number(value, 2);
    while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.'))
      s.pop_back();
    return s;
  }
  if (value.is_null())
    return "-";
  if (value.is_array())
  {
    std::string s;
    for (const json& item : value)
      s += (s.empty() ? "" : ", ") + text(item);
    return s.empty() ? "-" : s;
  }
  return value.dump();
}

/// Escaped display text, "-" when empty.
std::string cell(const json& value)
{
  const std::string s = text(value);
  return htmlEscape(s.empty() ? "-" : s);
}

/// "27.6 (24.9-30.4)": a value with its band, one decimal.
std::string withBand(const json& value, const json& low, const json& high)
{
  std::string s = number(value, 1);
  if (value.is_number() && low.is_number() && high.is_number())
    s += " <span class=\"band\">(" + number(low, 1) + "&ndash;" + number(high, 1) + ")</span>";
  return s;
}

std::string row(const std::string& label, const std::string& valueHtml)
{
  return "<tr><th scope=\"row\">" + htmlEscape(label) + "</th><td>" + valueHtml + "</td></tr>\n";
}

std::string yesNo(const json& value, const char* yes = "yes", const char* no = "no")
{
  if (!value.is_boolean())
    return "-";
  return value.get<bool>() ? std::string("<span class=\"ok\">") + yes + "</span>"
                           : std::string("<span class=\"bad\">") + no + "</span>";
}

std::string swatch(const Rgb& c, const std::string& label)
{
  char style[64];
  std::snprintf(style, sizeof style, "background:rgb(%d,%d,%d)", c[0], c[1], c[2]);
  return std::string("<span class=\"swatch\" style=\"") + style + "\"></span>" + htmlEscape(label);
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

std::string studySection(const json& result)
{
  const json& ct = field(result, "ct");
  const json& study = field(ct, "study");
  const json& grid = field(ct, "grid");
  const json& load = field(ct, "load");
  std::string html = "<section id=\"study\"><h2>Patient and study</h2>\n<table class=\"kv\">\n";
  html += row("Patient ID", cell(field(study, "patientId")));
  html += row("Study date", cell(field(study, "studyDate")));
  html += row("Study description", cell(field(study, "studyDescription")));
  html += row("Series description", cell(field(study, "seriesDescription")));
  html += row("Study Instance UID",
              "<span class=\"mono\">" + cell(field(study, "studyInstanceUid")) + "</span>");
  html += row("Series Instance UID",
              "<span class=\"mono\">" + cell(field(study, "seriesInstanceUid")) + "</span>");
  html += row("Modality / manufacturer",
              cell(field(study, "modality")) + " / " + cell(field(study, "manufacturer")));
  html += row("Contrast phase (guess)", cell(field(study, "contrastPhaseGuess")));
  const json& thickness = field(study, "sliceThicknessMm");
  html += row("Slice thickness mm",
              thickness.is_number() && thickness.get<double>() > 0 ? number(thickness, 2) : "-");
  const json& kvp = field(study, "kvp");
  html += row("kVp", kvp.is_number() && kvp.get<double>() > 0 ? number(kvp, 0) : "-");
  html += row("Grid (voxels)", cell(field(grid, "size")));
  html += row("Spacing mm", cell(field(grid, "spacingMm")));
  html +=
    row("CT format / files", cell(field(load, "format")) + " / " + cell(field(load, "fileCount")));
  std::string handling;
  if (field(load, "resampled").is_boolean() && field(load, "resampled").get<bool>())
    handling += "resampled to uniform spacing; ";
  if (field(load, "gantryTiltCorrected").is_boolean() &&
      field(load, "gantryTiltCorrected").get<bool>())
    handling += "gantry tilt corrected; ";
  if (field(load, "missingSlices").is_number() && field(load, "missingSlices").get<double>() > 0)
    handling += "missing slices: " + text(field(load, "missingSlices")) + "; ";
  html += row("Loader", handling.empty() ? "as stored" : htmlEscape(handling));
  html += "</table>\n";
  const json& warnings = field(load, "warnings");
  if (warnings.is_array() && !warnings.empty())
  {
    html += "<p>Loader notes:</p><ul class=\"warnings\">";
    for (const json& w : warnings)
      html += "<li>" + cell(w) + "</li>";
    html += "</ul>\n";
  }
  return html + "</section>\n";
}

std::string provenanceSection(const json& result)
{
  std::string html = "<section id=\"provenance\"><h2>Input provenance</h2>\n";
  html += "<table class=\"kv\">\n";
  html += row("Software", "liverplan " + cell(field(result, "version")));
  html += row("Output kind", cell(field(result, "kind")));
  html += row("Coordinates", cell(field(result, "coordinates")));
  const json& units = field(result, "units");
  if (units.is_object())
  {
    std::string u;
    for (const auto& item : units.items())
      u += (u.empty() ? "" : ", ") + item.key() + " " + text(item.value());
    html += row("Units", htmlEscape(u));
  }
  if (field(result, "liverCondition").is_string())
    html += row("Liver condition", cell(field(result, "liverCondition")));
  html += "</table>\n";

  const json& inputs = field(result, "inputFiles");
  html += "<h3>Input files</h3>\n";
  if (inputs.is_array() && !inputs.empty())
  {
    html += "<table><thead><tr><th>Role</th><th>Path</th><th class=\"num\">Bytes</th>"
            "<th>SHA-256</th></tr></thead><tbody>\n";
    for (const json& in : inputs)
    {
      std::string digest = "<span class=\"mono\">" + cell(field(in, "sha256")) + "</span>";
      if (field(in, "kind") == "folder")
        digest += "<div class=\"note\">folder of " + cell(field(in, "files")) +
                  " files: SHA-256 of its sorted sha256sum listing</div>";
      if (field(in, "error").is_string())
        digest += "<div class=\"bad\">" + cell(field(in, "error")) + "</div>";
      html += "<tr><td>" + cell(field(in, "role")) + "</td><td class=\"mono\">" +
              cell(field(in, "path")) + "</td><td class=\"num\">" + cell(field(in, "bytes")) +
              "</td><td>" + digest + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
    if (field(result, "inputFilesHashedBy") == "report")
      html += "<p class=\"note\">SHA-256 computed when this report was rendered, from the files "
              "as they were then.</p>\n";
  }
  else
    html += "<p>No input file digests in this result.</p>\n";

  const json& labels = field(result, "labels");
  const json& sources = field(labels, "sources");
  if (sources.is_array() && !sources.empty())
  {
    html += "<h3>Label sources</h3><table><thead><tr><th>Role</th><th>Path</th><th>Format</th>"
            "<th>Detail</th></tr></thead><tbody>\n";
    for (const json& s : sources)
      html += "<tr><td>" + cell(field(s, "role")) + "</td><td class=\"mono\">" +
              cell(field(s, "path")) + "</td><td>" + cell(field(s, "format")) + "</td><td>" +
              cell(field(s, "detail")) + "</td></tr>\n";
    html += "</tbody></table>\n";
  }
  const json& notes = field(labels, "notes");
  if (notes.is_array() && !notes.empty())
  {
    html += "<ul class=\"warnings\">";
    for (const json& n : notes)
      html += "<li>" + cell(n) + "</li>";
    html += "</ul>\n";
  }
  const json& automatic = field(result, "automaticSegmentation");
  if (automatic.is_object())
  {
    html += "<p>Automatic segmentation was used for: ";
    std::string parts;
    for (const auto& item : automatic.items())
      parts += (parts.empty() ? "" : ", ") + item.key();
    html += htmlEscape(parts) + " (review the contours).</p>\n";
  }
  return html + "</section>\n";
}

std::string volumetrySection(const json& result)
{
  const json& v = field(result, "volumetry");
  std::string html = "<section id=\"volumetry\" class=\"page\"><h2>Volumetry</h2>\n";
  if (!v.is_object())
    return html + "<p>No volumetry in this result.</p></section>\n";
  html += "<table class=\"kv volumetry\">\n";
  html += row("Total liver volume (TLV) mL", number(field(v, "totalLiverMl"), 1));
  html += row("Tumour volume mL", number(field(v, "tumourMl"), 1));
  html += row("Functional volume (TLV - tumour) mL", number(field(v, "functionalMl"), 1));
  html += row("Surface estimate mL", number(field(v, "liverSurfaceMl"), 1));
  html += row("Liver voxels", cell(field(v, "liverVoxelCount")));
  html += row("Mean liver HU", number(field(v, "liverMeanHu"), 1));
  const json& body = field(result, "body");
  if (body.is_object())
  {
    html += row("Height cm / weight kg",
                number(field(body, "heightCm"), 1) + " / " + number(field(body, "weightKg"), 1));
    html +=
      row("BSA m² (" + text(field(body, "bsaFormula")) + ")", number(field(body, "bsaM2"), 3));
    html += row("Standard liver volume mL (" + text(field(body, "slvFormula")) + ")",
                number(field(body, "standardLiverVolumeMl"), 1));
  }
  else
    html += row("Body measurements", "not given (no sFLR)");
  html += "</table>\n";

  const json& segments = field(v, "segmentsMl");
  if (segments.is_object())
  {
    const json& functional = field(v, "functionalMl");
    html += "<h3>Couinaud segments</h3><table><thead><tr><th>Segment</th>";
    for (int s = 1; s <= 8; ++s)
      html += "<th class=\"num\">" + std::to_string(s) + "</th>";
    html += "</tr></thead><tbody><tr><th scope=\"row\">mL</th>";
    for (int s = 1; s <= 8; ++s)
      html +=
        "<td class=\"num\">" + number(field(segments, std::to_string(s).c_str()), 1) + "</td>";
    html += "</tr>";
    if (functional.is_number() && functional.get<double>() > 0)
    {
      html += "<tr><th scope=\"row\">% of functional</th>";
      for (int s = 1; s <= 8; ++s)
      {
        const json& ml = field(segments, std::to_string(s).c_str());
        html += "<td class=\"num\">" +
                (ml.is_number() ? number(100.0 * ml.get<double>() / functional.get<double>(), 1)
                                : std::string("-")) +
                "</td>";
      }
      html += "</tr>";
    }
    html += "</tbody></table>\n";
    const json& method = field(field(result, "segments"), "description");
    if (method.is_string())
      html += "<p class=\"note\">Segments: " + cell(method) + "</p>\n";
  }

  const json& lesions = field(v, "lesions");
  html += "<h3>Lesions</h3>\n";
  if (lesions.is_array() && !lesions.empty())
  {
    html += "<table class=\"lesions\"><thead><tr><th>Lesion</th><th class=\"num\">Volume mL</th>"
            "<th class=\"num\">Max diameter mm</th><th class=\"num\">Mean HU</th>"
            "<th>Centroid LPS mm</th><th>Segments</th></tr></thead><tbody>\n";
    for (const json& l : lesions)
    {
      std::string centroid;
      for (const json& c : field(l, "centroidLpsMm"))
        centroid += (centroid.empty() ? "" : ", ") + number(c, 1);
      html += "<tr><td>" + cell(field(l, "id")) + "</td><td class=\"num\">" +
              number(field(l, "volumeMl"), 2) + "</td><td class=\"num\">" +
              number(field(l, "maxDiameterMm"), 1) + "</td><td class=\"num\">" +
              number(field(l, "meanHu"), 0) + "</td><td>" +
              htmlEscape(centroid.empty() ? "-" : centroid) + "</td><td>" +
              cell(field(l, "segments")) + "</td></tr>\n";
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

std::string augmentationTable(const json& augmentation)
{
  std::string html;
  if (!augmentation.is_object())
    return html;
  html += "<h4>FLR augmentation (predicted sFLR %)</h4>\n";
  if (field(augmentation, "verdict").is_string())
    html += "<p>Verdict: <strong>" + cell(field(augmentation, "verdict")) + "</strong></p>\n";
  bool any = false;
  std::string rows;
  std::vector<std::string> sources;
  for (const auto& [key, label] : { std::pair<const char*, const char*>{ "pve", "PVE" },
                                    { "alpps", "ALPPS" },
                                    { "twoStage", "Two-stage" } })
  {
    const json& p = field(augmentation, key);
    if (!p.is_object())
      continue;
    any = true;
    std::string low = "-", median = "-", high = "-";
    for (const json& sc : field(p, "scenarios"))
    {
      const std::string value = number(field(sc, "predictedSflrPercent"), 1) +
                                (field(sc, "reachesThreshold") == true ? " &#10003;" : "");
      const json& name = field(sc, "scenario");
      (name == "low" ? low : name == "median" ? median : high) = value;
    }
    const json& dropout = field(p, "notCompletedPercent");
    std::string notCompleted = "-";
    if (dropout.is_array() && dropout.size() == 2 && dropout[0].is_number())
      notCompleted = number(dropout[0], 0) + "&ndash;" + number(dropout[1], 0);
    rows += "<tr><th scope=\"row\">" + std::string(label) + "</th><td class=\"num\">" +
            number(field(p, "startSflrPercent"), 1) + "</td><td class=\"num\">" + low +
            "</td><td class=\"num\">" + median + "</td><td class=\"num\">" + high +
            "</td><td class=\"num\">" + number(field(p, "waitWeeks"), 1) +
            "</td><td class=\"num\">" + number(field(p, "earliestMedianWeek"), 1) +
            "</td><td class=\"num\">" + notCompleted + "</td></tr>\n";
    for (const json& s : field(p, "sources"))
      if (s.is_string() &&
          std::find(sources.begin(), sources.end(), s.get<std::string>()) == sources.end())
        sources.push_back(s.get<std::string>());
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
  if (field(augmentation, "note").is_string())
    html += "<p class=\"note\">" + cell(field(augmentation, "note")) + "</p>\n";
  return html;
}

std::string planArticle(const json& plan, int k, const std::vector<ReportImage>& images)
{
  const json& r = field(plan, "result");
  const json& band = field(r, "uncertainty");
  const json& threshold = field(r, "threshold");
  std::string html = "<article class=\"plan\" id=\"plan-" + std::to_string(k) + "\"><h3>Plan " +
                     std::to_string(k) + ": " + cell(field(plan, "name")) + "</h3>\n";
  if (field(plan, "proposed") == true)
    html +=
      "<p class=\"note\">Proposed by --auto-plan (rank " + cell(field(plan, "rank")) + ").</p>\n";
  html += "<table class=\"kv\">\n";
  html += row("Specification", "<span class=\"mono\">" + cell(field(plan, "spec")) + "</span>");
  html +=
    row("Remnant mL",
        withBand(field(r, "remnantMl"), field(band, "remnantMlLow"), field(band, "remnantMlHigh")));
  html += row("Resected / ablated mL",
              number(field(r, "resectedMl"), 1) + " / " + number(field(r, "ablatedMl"), 1));
  html += row(
    "FLR % of functional volume",
    withBand(field(r, "flrPercent"), field(band, "flrPercentLow"), field(band, "flrPercentHigh")));
  html +=
    row("sFLR % of standard liver volume",
        withBand(
          field(r, "sflrPercent"), field(band, "sflrPercentLow"), field(band, "sflrPercentHigh")));
  if (band.is_object())
    html += row("Band", cell(field(band, "method")));
  html += row("FLR / body weight %", number(field(r, "flrBodyWeightPercent"), 2));
  html += row("Threshold",
              number(field(threshold, "percent"), 0) + " % " + cell(field(threshold, "basis")) +
                " (" + cell(field(threshold, "source")) + ")");
  html += row("Remnant adequate (volume, contiguity)", yesNo(field(r, "pass")));
  std::string reasons;
  for (const json& reason : field(r, "passReasons"))
    reasons += "<li>" + cell(reason) + "</li>";
  if (!reasons.empty())
    html += row("Reasons", "<ul>" + reasons + "</ul>");
  const json& status = field(r, "marginStatus");
  html += row("Margin status",
              (field(r, "r0") == true ? "<span class=\"ok\">" : "<span class=\"bad\">") +
                cell(status) + "</span> " + cell(field(r, "marginReason")));
  html +=
    row("Segments left",
        cell(field(r, "segmentsLeft")) +
          (field(r, "contiguous").is_boolean()
             ? std::string(field(r, "contiguous") == true ? " (contiguous)" : " (not contiguous)")
             : std::string()));
  html += row("Remnant pieces", cell(field(r, "remnantPieces")));
  html += "</table>\n";
  if (field(threshold, "rationale").is_string())
    html += "<p class=\"note\">" + cell(field(threshold, "rationale")) + "</p>\n";

  const json& lesions = field(r, "lesions");
  if (lesions.is_array() && !lesions.empty())
  {
    html += "<h4>Lesions</h4><table class=\"fates\"><thead><tr><th>Lesion</th><th>Fate</th>"
            "<th class=\"num\">Margin mm</th><th class=\"num\">Volume mL</th>"
            "<th class=\"num\">Vessel distance mm</th><th>Notes</th></tr></thead><tbody>\n";
    for (const json& l : lesions)
    {
      const std::string margin =
        field(l, "transected") == true ? "cut through" : number(field(l, "marginMm"), 1);
      std::string notes;
      for (const json& w : field(l, "warnings"))
        notes += (notes.empty() ? "" : "; ") + text(w);
      html += "<tr><td>" + cell(field(l, "id")) + "</td><td>" + cell(field(l, "fate")) +
              "</td><td class=\"num\">" + margin + "</td><td class=\"num\">" +
              number(field(l, "volumeMl"), 2) + "</td><td class=\"num\">" +
              number(field(l, "vesselDistanceMm"), 1) + "</td><td>" + htmlEscape(notes) +
              "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  html += augmentationTable(field(plan, "augmentation"));
  const json& warnings = field(r, "warnings");
  if (warnings.is_array() && !warnings.empty())
  {
    html += "<h4>Warnings</h4><ul class=\"warnings\">";
    for (const json& w : warnings)
      html += "<li>" + cell(w) + "</li>";
    html += "</ul>\n";
  }
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

std::string plansSection(const json& result, const std::vector<ReportImage>& images)
{
  const json& plans = field(result, "plans");
  std::string html = "<section id=\"plans\" class=\"page\"><h2>Resection plans</h2>\n";
  if (!plans.is_array() || plans.empty())
    return html + "<p>No resection plan was simulated.</p></section>\n";
  html +=
    "<table class=\"comparison\"><thead><tr><th>Plan</th><th class=\"num\">Remnant mL</th>"
    "<th class=\"num\">FLR %</th><th class=\"num\">sFLR %</th>"
    "<th class=\"num\">Threshold %</th><th>Remnant ok</th><th>Margin</th></tr></thead><tbody>\n";
  int k = 0;
  for (const json& plan : plans)
  {
    ++k;
    const json& r = field(plan, "result");
    const json& band = field(r, "uncertainty");
    html +=
      "<tr><td>" + std::to_string(k) + ". " + cell(field(plan, "name")) +
      "</td><td class=\"num\">" + number(field(r, "remnantMl"), 1) + "</td><td class=\"num\">" +
      withBand(
        field(r, "flrPercent"), field(band, "flrPercentLow"), field(band, "flrPercentHigh")) +
      "</td><td class=\"num\">" +
      withBand(
        field(r, "sflrPercent"), field(band, "sflrPercentLow"), field(band, "sflrPercentHigh")) +
      "</td><td class=\"num\">" + number(field(field(r, "threshold"), "percent"), 0) + " " +
      cell(field(field(r, "threshold"), "basis")) + "</td><td>" + yesNo(field(r, "pass")) +
      "</td><td>" + cell(field(r, "marginStatus")) + "</td></tr>\n";
  }
  html += "</tbody></table>\n";
  html += "<p class=\"note\">Bands: the liver boundary moved by one voxel in and out. R0 = no "
          "lesion left in the remnant and every margin &ge; 1 mm; R2 = tumour left in the "
          "remnant.</p>\n";
  if (std::any_of(images.begin(), images.end(), [](const ReportImage& i) { return i.plan > 0; }))
    html += legend();
  k = 0;
  for (const json& plan : plans)
    html += planArticle(plan, ++k, images);
  return html + "</section>\n";
}

std::string decisionSection(const json& result)
{
  const json& d = field(result, "decision");
  std::string html = "<section id=\"decision\" class=\"page\"><h2>Decision</h2>\n";
  const json& clinical = field(result, "clinical");
  if (clinical.is_object() && !clinical.empty())
  {
    html += "<h3>Clinical data</h3><table class=\"kv clinical\">\n";
    for (const auto& item : clinical.items())
      html += row(item.key(), cell(item.value()));
    html += "</table>\n";
  }
  if (!d.is_object())
    return html + "<p class=\"decision-absent\"><strong>no clinical data: decision not "
                  "made</strong></p>\n<p class=\"note\">Give the clinical data (primary tumour, "
                  "performance status, extrahepatic disease, liver condition, ...) for the "
                  "resectability rules.</p></section>\n";
  html += "<table class=\"kv\">\n";
  html += row("Category",
              "<strong>" + cell(field(d, "categoryText")) + "</strong> <span class=\"note\">(" +
                cell(field(d, "category")) + ")</span>");
  html += "</table>\n";
  const json& strategies = field(d, "strategies");
  if (strategies.is_array() && !strategies.empty())
  {
    html += "<h3>Strategies, in order</h3><ol class=\"strategies\">";
    for (const json& s : strategies)
      html += "<li>" + cell(field(s, "text")) + " <span class=\"note\">(" + cell(field(s, "id")) +
              ")</span></li>";
    html += "</ol>\n";
  }
  const json& warnings = field(d, "warnings");
  if (warnings.is_array() && !warnings.empty())
  {
    html += "<h3>Warnings</h3><ul class=\"warnings\">";
    for (const json& w : warnings)
      html += "<li>" + cell(field(w, "text")) + " <span class=\"note\">(" +
              cell(field(w, "ruleId")) + ")</span></li>";
    html += "</ul>\n";
  }
  const json& trace = field(d, "trace");
  if (trace.is_array() && !trace.empty())
  {
    html += "<h3>Trace: every rule that fired</h3><table class=\"trace\"><thead><tr><th>Rule</th>"
            "<th>Inputs</th><th>Conclusion</th><th>Source</th></tr></thead><tbody>\n";
    for (const json& t : trace)
    {
      std::string inputs;
      const json& in = field(t, "inputs");
      if (in.is_object())
        for (const auto& item : in.items())
          inputs += "<div>" + htmlEscape(item.key()) + " = " + cell(item.value()) + "</div>";
      else if (!in.is_null())
        inputs = cell(in);
      html += "<tr><td class=\"mono rule\">" + cell(field(t, "ruleId")) + "</td><td>" +
              (inputs.empty() ? "-" : inputs) + "</td><td>" + cell(field(t, "conclusion")) +
              "</td><td>" + cell(field(t, "source")) + "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  const json& sources = field(d, "sources");
  if (sources.is_array() && !sources.empty())
  {
    html += "<h3>Sources</h3><ul class=\"sources\">";
    for (const json& s : sources)
      html += "<li>" + cell(s) + "</li>";
    html += "</ul>\n";
  }
  if (field(d, "disclaimer").is_string())
    html += "<p class=\"disclaimer\">" + cell(field(d, "disclaimer")) + "</p>\n";
  return html + "</section>\n";
}

std::string imagesWithoutPlan(const json& result, const std::vector<ReportImage>& images)
{
  std::string figures;
  const int plans = static_cast<int>(field(result, "plans").size());
  for (const ReportImage& image : images)
    if (image.plan <= 0 || image.plan > plans)
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

/// Width and height of a PNG from its IHDR chunk; false when `bytes` is not a PNG.
bool pngSize(const std::string& bytes, unsigned& width, unsigned& height)
{
  static const std::string signature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.size() < 24 || bytes.compare(0, 8, signature) != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return false;
  auto be32 = [&bytes](std::size_t at)
  {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i)
      v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  width = be32(16);
  height = be32(20);
  return true;
}

std::string readBinary(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

model::InputFileRecord digestOf(const std::string& role,
                                const std::string& path,
                                const std::string& baseDir)
{
  model::InputFileRecord entry;
  entry.role = role;
  entry.path = path;
  fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec) && p.is_relative() && !baseDir.empty() && fs::exists(baseDir / p, ec))
    p = fs::path(baseDir) / p;
  try
  {
    if (fs::is_regular_file(p, ec))
    {
      entry.kind = "file";
      entry.bytes = fs::file_size(p);
      entry.sha256 = sha256File(p.string());
    }
    else if (fs::is_directory(p, ec))
    {
      std::vector<std::pair<std::string, fs::path>> files;
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file())
          files.emplace_back(fs::relative(e.path(), p).generic_string(), e.path());
      std::sort(files.begin(), files.end());
      std::string listing;
      std::uintmax_t bytes = 0;
      for (const auto& [relative, full] : files)
      {
        listing += sha256File(full.string()) + "  " + relative + "\n";
        bytes += fs::file_size(full);
      }
      entry.kind = "folder";
      entry.files = files.size();
      entry.bytes = bytes;
      entry.sha256 = sha256Hex(listing);
    }
    else
      entry.error = "not found when hashed";
  }
  catch (const std::exception& e)
  {
    entry.sha256.reset();
    entry.error = e.what();
  }
  return entry;
}

} // namespace

std::vector<model::InputFileRecord> inputDigests(
  const model::AnalysisResult& result,
  const std::string& baseDir,
  const std::vector<std::pair<std::string, std::string>>& moreInputs)
{
  std::vector<model::InputFileRecord> inputs;
  std::map<std::string, model::InputFileRecord> done; // the same file under two roles: hashed once
  auto add = [&](const std::string& role, const std::string& path)
  {
    if (path.empty())
      return;
    auto found = done.find(path);
    if (found == done.end())
      found = done.emplace(path, digestOf(role, path, baseDir)).first;
    model::InputFileRecord entry = found->second;
    entry.role = role;
    inputs.push_back(entry);
  };
  add("ct", result.ct.load.source);
  for (const model::LabelSourceRecord& s : result.labels.sources)
    add(s.role, s.path);
  for (const auto& [role, path] : moreInputs)
    add(role, path);
  return inputs;
}

json inputDigestsJson(const json& result,
                      const std::string& baseDir,
                      const std::vector<std::pair<std::string, std::string>>& moreInputs)
{
  const auto str = [](const json& j) { return j.is_string() ? j.get<std::string>() : ""; };
  model::AnalysisResult named; // only the paths: the result may be partial
  named.ct.load.source = str(field(field(field(result, "ct"), "load"), "source"));
  for (const json& s : field(field(result, "labels"), "sources"))
    named.labels.sources.push_back({ str(field(s, "role")), str(field(s, "path")), "", "", "" });
  return model::toJson(inputDigests(named, baseDir, moreInputs));
}

std::vector<model::ImageRecord> imageRecords(const std::vector<ReportImage>& images)
{
  std::vector<model::ImageRecord> records;
  for (const ReportImage& i : images)
    records.push_back(
      { i.file, i.kind, i.view, i.caption, i.plan, i.lesion, i.widthPx, i.heightPx, i.skipped });
  return records;
}

json reportImagesJson(const std::vector<ReportImage>& images)
{
  return model::toJson(imageRecords(images));
}

std::vector<ReportImage> loadReportImages(const std::string& dir,
                                          const model::AnalysisResult& result)
{
  json list = result.images.empty() ? json(nullptr) : model::toJson(result.images);
  if (!list.is_array())
  {
    const fs::path index = fs::path(dir) / "images" / "index.json";
    std::ifstream in(index);
    if (in)
      try
      {
        list = json::parse(in);
      }
      catch (const json::exception&)
      {
        throw InputError(index.string(), "not valid JSON");
      }
  }
  std::vector<ReportImage> images;
  if (!list.is_array())
    return images;
  for (const json& j : list)
  {
    ReportImage i;
    i.file = text(field(j, "file"));
    i.kind = text(field(j, "kind"));
    i.view = text(field(j, "view"));
    i.caption = text(field(j, "caption"));
    i.plan = field(j, "plan").is_number() ? field(j, "plan").get<int>() : 0;
    i.lesion = field(j, "lesion").is_number() ? field(j, "lesion").get<int>() : 0;
    if (field(j, "skipped").is_string())
      i.skipped = field(j, "skipped").get<std::string>();
    else if (!field(j, "file").is_string() || i.file.empty())
      i.skipped = "no file name";
    else if (resolveInside(dir, i.file).empty())
      i.skipped = i.file + " is outside the result's folder";
    else
    {
      const std::string bytes = readBinary((fs::path(dir) / i.file).string());
      unsigned width = 0, height = 0;
      if (bytes.empty())
        i.skipped = i.file + " not found";
      else if (!pngSize(bytes, width, height))
        i.skipped = i.file + " is not a PNG";
      else
        i.png = bytes, i.widthPx = width, i.heightPx = height;
    }
    images.push_back(i);
  }
  return images;
}

namespace
{

/// Quality control of the automatic segmentation, shown at the top: a user must see when not to
/// trust the result. Nothing when every label was imported (no QC in result.json).
std::string qualityControlBanner(const json& result)
{
  const json& qc = field(result, "qualityControl");
  const json& phase = field(result, "contrastPhase");
  std::string phaseText;
  if (phase.is_object())
    phaseText = "<p>Contrast phase measured on the CT: <b>" + cell(field(phase, "phase")) +
                "</b> (confidence " + number(field(phase, "confidence"), 2) + "; " +
                cell(field(phase, "how")) + ").</p>";
  if (!qc.is_object())
    return phaseText.empty() ? std::string() : "<section id=\"qc\">" + phaseText + "</section>\n";
  const bool ok = text(field(qc, "status")) == "ok";
  std::string html = "<section id=\"qc\" class=\"" + std::string(ok ? "qc-ok" : "qc-review") +
                     "\"><h2>Automatic segmentation: " +
                     (ok ? std::string("quality control ok")
                         : std::string("REVIEW NEEDED before using these numbers")) +
                     "</h2>";
  if (!ok)
  {
    html += "<ul>";
    for (const json& reason : field(qc, "reasons"))
      html += "<li>" + cell(reason) + "</li>";
    html += "</ul>";
  }
  else
    html += "<p>Plausibility checks passed (volume, HU, surface, scan coverage, pieces, "
            "lesions); they catch gross errors, not every error: check the outlines.</p>";
  return html + phaseText + "</section>\n";
}

/// Whether a person looked at the segmentation the numbers were measured on: automatic and
/// unreviewed, imported (no review recorded), reviewed without change, or edited with the edit
/// log's totals. Near the top of the report, framed like the disclaimer when unreviewed.
std::string reviewBanner(const json& result)
{
  const json& seg = field(result, "segmentation");
  const std::string status = text(field(seg, "review"));
  const std::string who = htmlEscape(text(field(seg, "reviewedBy"))) + " on " +
                          htmlEscape(text(field(seg, "reviewedAt")));
  std::string cls = "review-none", title, body;
  if (status == "reviewed")
  {
    cls = "review-done";
    title = "Segmentation reviewed, unchanged";
    body = "<p>Reviewed by <b>" + who + "</b> in the LiverPlan editor; no voxel was changed.</p>";
  }
  else if (status == "edited")
  {
    const json& e = field(seg, "edits");
    cls = "review-edited";
    title = "Segmentation EDITED by a reviewer";
    body = "<p>Edited by <b>" + who + "</b>: " + cell(field(e, "operations")) +
           " operation(s) in effect; liver +" + number(field(e, "liverAddedMl"), 1) + " / &minus;" +
           number(field(e, "liverRemovedMl"), 1) + " mL; tumour +" +
           number(field(e, "tumourAddedMl"), 1) + " / &minus;" +
           number(field(e, "tumourRemovedMl"), 1) + " mL; lesions added " +
           cell(field(e, "lesionsAdded")) + ", removed " + cell(field(e, "lesionsRemoved")) +
           ". Edit log: <span class=\"mono\">" + cell(field(e, "logFile")) + "</span>.</p>";
  }
  else if (status == "imported-unreviewed")
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

std::string renderReportHtml(const json& result, const std::vector<ReportImage>& images)
{
  const json& study = field(field(result, "ct"), "study");
  std::string subject = text(field(study, "patientId"));
  if (subject.empty() || subject == "-")
    subject =
      fs::path(text(field(field(field(result, "ct"), "load"), "source"))).filename().string();
  const std::string disclaimer = field(result, "disclaimer").is_string()
                                   ? field(result, "disclaimer").get<std::string>()
                                   : std::string(model::DecisionSupportDisclaimer);

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"liverplan " +
                     cell(field(result, "version")) +
                     "\">\n<title>LiverPlan report: " + htmlEscape(subject) + "</title>\n<style>" +
                     Css + "</style>\n</head>\n<body>\n";
  html += "<header><h1>LiverPlan report</h1><p class=\"sub\">" + htmlEscape(subject) +
          " &middot; study date " + cell(field(study, "studyDate")) + " &middot; liverplan " +
          cell(field(result, "version")) + " &middot; " + cell(field(result, "kind")) +
          "</p></header>\n";
  html += "<div class=\"disclaimer\" id=\"disclaimer\" role=\"note\">" + htmlEscape(disclaimer) +
          "</div>\n";
  html += reviewBanner(result);
  html += qualityControlBanner(result);
  html += studySection(result);
  html += provenanceSection(result);
  html += volumetrySection(result);
  html += plansSection(result, images);
  html += imagesWithoutPlan(result, images);
  html += decisionSection(result);
  html += imageNotes(images);
  html += "<footer><div class=\"disclaimer\">" + htmlEscape(disclaimer) +
          "</div><p>Made by liverplan " + cell(field(result, "version")) +
          " from result.json; every number above is in that file. " +
          cell(field(result, "coordinates")) + ".</p></footer>\n</body>\n</html>\n";
  return html;
}

std::string renderReportHtml(const model::AnalysisResult& result,
                             const std::vector<ReportImage>& images)
{
  return renderReportHtml(model::toJson(result), images);
}

std::vector<ReportImage> renderReportImages(const std::string& outDir,
                                            const model::AnalysisResult& result,
                                            const CtImage& ct,
                                            const LiverLabels& labels,
                                            const std::vector<LabelImage::Pointer>& remnantMaps,
                                            const ReportWarn& warn)
{
  std::vector<ReportImage> images;
  const fs::path imageDir = fs::path(outDir) / "images";
  std::error_code ec;
  fs::create_directories(imageDir, ec);
  std::string noDisplay; // set after the first 3D view that cannot be rendered
  auto attempt = [&](ReportImage image, const std::function<void(const std::string&)>& render)
  {
    const std::string path = (fs::path(outDir) / image.file).string();
    if (image.kind == "plan-3d" && !noDisplay.empty())
      image.skipped = noDisplay;
    else
      try
      {
        render(path);
        image.png = readBinary(path);
        if (!pngSize(image.png, image.widthPx, image.heightPx))
          image.png.clear(), image.skipped = "the PNG written could not be read back";
      }
      catch (const ProcessingError& e)
      {
        image.skipped = e.what();
        if (image.kind == "plan-3d")
        {
          noDisplay = "3D view skipped: " + image.skipped;
          image.skipped = noDisplay;
          if (warn)
            warn("report: 3D views skipped (" + std::string(e.what()) + ")");
        }
      }
      catch (const std::exception& e)
      {
        image.skipped = e.what();
        if (warn)
          warn("report: " + image.file + " not rendered: " + e.what());
      }
    images.push_back(image);
  };

  // Lesion centroids from result.json (the report shows what the analysis measured).
  std::vector<std::pair<int, std::array<double, 3>>> centroids;
  for (const model::LesionRecord& l : result.volumetry.lesions)
    centroids.push_back({ l.id, l.centroidLpsMm });
  if (centroids.size() > MaxLesionSlicesPerPlan && warn)
    warn("report: axial slices for the first " + std::to_string(MaxLesionSlicesPerPlan) + " of " +
         std::to_string(centroids.size()) + " lesions");
  const std::size_t slices = std::min(centroids.size(), MaxLesionSlicesPerPlan);
  char z[32];

  const std::size_t planCount = result.plans.size();
  for (std::size_t k = 0; k < planCount && k < remnantMaps.size(); ++k)
  {
    if (!remnantMaps[k])
      continue;
    const int planNo = static_cast<int>(k + 1);
    const std::string name = result.plans[k].result.name;
    const std::string prefix = "images/plan-" + std::to_string(planNo);
    std::map<unsigned, LesionMark> marks;
    for (const LesionOutcome& l : result.plans[k].result.lesions)
      marks[static_cast<unsigned>(l.id)] = parseLesionMark(toString(l.fate));
    for (const SnapshotView view : { SnapshotView::Anterior, SnapshotView::Posterior })
    {
      ReportImage image;
      image.kind = "plan-3d";
      image.view = view == SnapshotView::Anterior ? "anterior" : "posterior";
      image.file = prefix + "-" + image.view + ".png";
      image.plan = planNo;
      image.caption = "Plan " + std::to_string(planNo) + " (" + name + "), " + image.view +
                      " view: remnant opaque, resected part translucent";
      attempt(image,
              [&](const std::string& path)
              {
                SnapshotOptions options;
                options.view = view;
                options.widthPx = 640;
                options.heightPx = 480;
                renderPlanSnapshot(
                  *remnantMaps[k], labels.lesions.GetPointer(), marks, options, path);
              });
    }
    SliceOverlays overlays;
    overlays.remnantMap = remnantMaps[k].GetPointer();
    overlays.lesions = labels.lesions.GetPointer();
    overlays.marks = marks;
    for (std::size_t i = 0; i < slices; ++i)
    {
      const auto& [id, centre] = centroids[i];
      ReportImage image;
      image.kind = "lesion-axial";
      image.view = "axial";
      image.plan = planNo;
      image.lesion = id;
      image.file = prefix + "-lesion-" + std::to_string(id) + "-axial.png";
      std::snprintf(z, sizeof z, "%.1f", centre[2]);
      const auto mark = marks.find(static_cast<unsigned>(id));
      image.caption = "Plan " + std::to_string(planNo) + ", lesion " + std::to_string(id) +
                      (mark == marks.end()                    ? std::string()
                       : mark->second == LesionMark::Resected ? " (resected)"
                       : mark->second == LesionMark::Ablated  ? " (ablated)"
                                                              : " (left)") +
                      ": axial slice at z = " + z + " mm";
      attempt(image,
              [&, at = centre](const std::string& path)
              { renderAxialSlice(ct, overlays, at, AxialSliceOptions{}, path); });
    }
  }
  if (planCount == 0 && labels.liver)
  {
    SliceOverlays overlays;
    overlays.liver = labels.liver.GetPointer();
    overlays.lesions = labels.lesions.GetPointer();
    for (std::size_t i = 0; i < slices; ++i)
    {
      const auto& [id, centre] = centroids[i];
      ReportImage image;
      image.kind = "lesion-axial";
      image.view = "axial";
      image.lesion = id;
      image.file = "images/lesion-" + std::to_string(id) + "-axial.png";
      std::snprintf(z, sizeof z, "%.1f", centre[2]);
      image.caption = "Lesion " + std::to_string(id) + ": axial slice at z = " + z + " mm";
      attempt(image,
              [&, at = centre](const std::string& path)
              { renderAxialSlice(ct, overlays, at, AxialSliceOptions{}, path); });
    }
  }
  try
  {
    writeTextFile((imageDir / "index.json").string(), reportImagesJson(images).dump(2) + "\n");
  }
  catch (const std::exception& e)
  {
    if (warn)
      warn(std::string("report: images/index.json not written: ") + e.what());
  }
  return images;
}

std::vector<ReportImage> writeAnalysisReport(const std::string& outDir,
                                             const model::AnalysisResult& result,
                                             const CtImage& ct,
                                             const LiverLabels& labels,
                                             const std::vector<LabelImage::Pointer>& remnantMaps,
                                             const ReportWarn& warn)
{
  std::vector<ReportImage> images =
    renderReportImages(outDir, result, ct, labels, remnantMaps, warn);
  model::AnalysisResult withInputs = result;
  if (result.inputFiles.empty())
  {
    withInputs.inputFiles = inputDigests(result, outDir);
    withInputs.inputFilesHashedBy = "report";
  }
  writeTextFile((fs::path(outDir) / "report.html").string(), renderReportHtml(withInputs, images));
  return images;
}

} // namespace liver::report
