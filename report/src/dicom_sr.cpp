/// The analysis as a DICOM SR TID 1500 Imaging Measurement Report (DCMTK dcmsr/cmr), and the
/// report read back through DCMTK.

#include <liver/report/dicom_export.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <dcmtk/config/osconfig.h> // must come first of DCMTK's headers

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmiod/modhelp.h>
#include <dcmtk/dcmsr/cmr/tid1500.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/codes/sct.h>
#include <dcmtk/dcmsr/codes/ucum.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace liver::report
{
namespace
{

namespace fs = std::filesystem;
using Volumetric = CMR_TID1411_in_TID1500;
using Individual = CMR_TID1501_in_TID1500;

void check(const OFCondition& status, const std::string& what)
{
  if (status.bad())
    throw ProcessingError("DICOM SR: " + what + ": " + status.text());
}

/// A DS value: the most significant digits (up to 15) that fit its 16 characters.
std::string ds(double v)
{
  char text[32];
  for (int digits = 15; digits >= 4; --digits)
  {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strlen(text) <= 16)
      break;
  }
  return text;
}

DSRCodedEntryValue own(const char* code, const char* meaning)
{
  return DSRCodedEntryValue(code, LiverPlanCodingScheme, meaning);
}

// The concepts: DICOM/SNOMED CT where one exists, else the private scheme.
const DSRCodedEntryValue VolumeConcept("118565006", "SCT", "Volume");
DSRCodedEntryValue flrVolume()
{
  return own("FLR-ML", "Future liver remnant volume");
}
DSRCodedEntryValue flrPercent()
{
  return own("FLR-PCT", "FLR percent of functional liver volume");
}
DSRCodedEntryValue sflrPercent()
{
  return own("SFLR-PCT", "Standardized FLR percent of SLV");
}
DSRCodedEntryValue thresholdPercent()
{
  return own("FLR-MIN", "Minimum remnant threshold");
}
DSRCodedEntryValue resectedVolume()
{
  return own("RES-ML", "Resected liver volume");
}
DSRCodedEntryValue tumourVolume()
{
  return own("TUM-ML", "Total tumour volume");
}
DSRCodedEntryValue functionalVolume()
{
  return own("FLV-ML", "Functional liver volume");
}
DSRCodedEntryValue standardLiverVolume()
{
  return own("SLV-ML", "Standard liver volume");
}
DSRCodedEntryValue bodySurfaceArea()
{
  return own("BSA", "Body surface area");
}
DSRCodedEntryValue marginStatus()
{
  return own("MARGIN", "Resection margin status");
}
DSRCodedEntryValue thresholdBasis()
{
  return own("FLR-BASIS", "Remnant threshold basis");
}
DSRCodedEntryValue volumeAdequate()
{
  return own("FLR-OK", "Remnant volume adequate");
}
DSRCodedEntryValue planName()
{
  return own("PLAN", "Resection plan");
}
DSRCodedEntryValue decisionCategory()
{
  return own("DECISION", "Resectability category");
}
DSRCodedEntryValue disclaimer()
{
  return own("DISCLAIMER", "Decision support disclaimer");
}

DSRCodedEntryValue slvMethod(SlvFormula formula)
{
  switch (formula)
  {
    case SlvFormula::Vauthey:
      return own("SLV-VAUTHEY", "SLV = -794.41 + 1267.28 x BSA (Vauthey 2002)");
    case SlvFormula::Urata:
      return own("SLV-URATA", "SLV = 706.2 x BSA + 2.4 (Urata 1995)");
    case SlvFormula::Heinemann:
      return own("SLV-HEINEMANN", "SLV = 1072.8 x BSA - 345.7 (Heinemann 1999)");
  }
  return own("SLV", "SLV formula");
}

const DSRCodedEntryValue Millilitre("ml", "UCUM", "milliliter");
const DSRCodedEntryValue Percent("%", "UCUM", "Percent");
const DSRCodedEntryValue SquareMetre("m2", "UCUM", "square meter");

/// The report under construction and the UIDs its groups reference.
struct SrContext
{
  SrContext(const DicomAnalysis& a, const SegReference& s)
    : report(CMR_CID7021::ImagingMeasurementReport)
    , analysis(a)
    , seg(s)
  {
  }
  TID1500_MeasurementReport report;
  const DicomAnalysis& analysis;
  const SegReference& seg;
};

std::string newUid()
{
  char uid[100];
  return dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
}

template<typename Group>
void measure(Group& group,
             const DSRCodedEntryValue& concept,
             double value,
             const DSRCodedEntryValue& unit,
             const std::string& what)
{
  const typename Group::MeasurementValue number(ds(value).c_str(), unit);
  check(group.addMeasurement(concept, number, OFFalse), what);
}

/// A volumetric ROI group (TID 1411) on the SEG segment `label`; false when the SEG has no such
/// segment (an empty one is left out of the SEG).
bool volumetricGroup(SrContext& c, const std::string& label, const DSRCodedEntryValue& finding)
{
  const auto it = c.seg.segmentNumbers.find(label);
  if (it == c.seg.segmentNumbers.end())
    return false;
  check(c.report.addVolumetricROIMeasurements(OFFalse), label);
  Volumetric& group = c.report.getVolumetricROIMeasurements();
  check(group.setTrackingIdentifier(dicomText(label, 64).c_str()), label + ": tracking identifier");
  check(group.setTrackingUniqueIdentifier(newUid().c_str()), label + ": tracking UID");
  DSRImageReferenceValue segment(UID_SegmentationStorage, c.seg.sopInstanceUid.c_str());
  segment.getSegmentList().addItem(it->second);
  check(group.setReferencedSegment(segment), label + ": referenced segment");
  check(group.setSourceSeriesForSegmentation(c.analysis.source.seriesInstanceUid.c_str()),
        label + ": source series");
  check(group.setFinding(finding), label + ": finding");
  return true;
}

void textEvaluation(Volumetric& group,
                    const DSRCodedEntryValue& concept,
                    const std::string& value,
                    const std::string& what)
{
  if (!value.empty())
    check(group.addQualitativeEvaluation(concept, dicomText(value, 1024).c_str()), what);
}

void addPlanGroups(SrContext& c)
{
  const auto& plans = c.analysis.result.plans;
  for (std::size_t i = 0; i < plans.size(); ++i)
  {
    const PlanResult& r = plans[i].result;
    const std::string label = "Plan " + std::to_string(i + 1) + " remnant";
    if (!volumetricGroup(c, label, CODE_SCT_Liver))
      continue;
    Volumetric& group = c.report.getVolumetricROIMeasurements();
    measure(group, VolumeConcept, r.remnantMl, Millilitre, label + ": remnant");
    measure(group, flrVolume(), r.flrMl, Millilitre, label + ": FLR");
    measure(group, flrPercent(), r.flrPercent, Percent, label + ": FLR %");
    if (r.sflrPercent)
      measure(group, sflrPercent(), *r.sflrPercent, Percent, label + ": sFLR %");
    measure(group, thresholdPercent(), r.thresholdPercent, Percent, label + ": threshold");
    measure(group, resectedVolume(), r.resectedMl, Millilitre, label + ": resected");
    textEvaluation(group, planName(), r.name, label + ": plan");
    textEvaluation(group, thresholdBasis(), r.thresholdBasis, label + ": threshold basis");
    textEvaluation(
      group, volumeAdequate(), r.volumeAdequate ? "yes" : "no", label + ": volume adequate");
    textEvaluation(group, marginStatus(), r.marginStatus, label + ": margin status");
  }
}

/// Tumour, functional and standard liver volume and BSA: derived, no image region (TID 1501).
void addBodyGroup(SrContext& c)
{
  const model::AnalysisResult& result = c.analysis.result;
  check(c.report.addIndividualMeasurements(OFFalse), "volumetry group");
  Individual& group = c.report.getIndividualMeasurements();
  check(group.setTrackingIdentifier("Liver volumetry"), "volumetry: tracking identifier");
  check(group.setTrackingUniqueIdentifier(newUid().c_str()), "volumetry: tracking UID");
  check(group.setFinding(CODE_SCT_Liver), "volumetry: finding");
  measure(group, tumourVolume(), result.volumetry.tumourMl, Millilitre, "tumour volume");
  measure(
    group, functionalVolume(), result.volumetry.functionalMl, Millilitre, "functional volume");
  if (result.body && result.body->standardLiverVolumeMl)
  {
    measure(group,
            standardLiverVolume(),
            *result.body->standardLiverVolumeMl,
            Millilitre,
            "standard liver volume");
    if (result.body->slvFormula)
      check(group.getMeasurement().setMeasurementMethod(slvMethod(*result.body->slvFormula)),
            "SLV formula");
  }
  if (result.body && result.body->bsaM2)
    measure(group, bodySurfaceArea(), *result.body->bsaM2, SquareMetre, "BSA");
}

void addDecision(SrContext& c)
{
  const model::AnalysisResult& result = c.analysis.result;
  const std::string category =
    result.decision ? result.decision->categoryText + " (" + result.decision->category + ")"
                    : "no clinical data: decision not made";
  check(c.report.addQualitativeEvaluation(decisionCategory(), dicomText(category, 1024).c_str()),
        "decision category");
  check(c.report.addQualitativeEvaluation(disclaimer(), model::DecisionSupportDisclaimer),
        "disclaimer");
}

std::string text(DcmItem& item, const DcmTagKey& tag)
{
  OFString value;
  return item.findAndGetOFString(tag, value).good() ? value.c_str() : "";
}

CodedConcept concept(const DSRCodedEntryValue& code)
{
  return { code.getCodeValue().c_str(),
           code.getCodingSchemeDesignator().c_str(),
           code.getCodeMeaning().c_str() };
}

} // namespace

SegReference readSegReference(const std::string& segPath)
{
  DcmFileFormat ff;
  if (ff.loadFile(segPath.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
    throw InputError(segPath, "not a readable DICOM file");
  DcmDataset& ds = *ff.getDataset();
  if (text(ds, DCM_SOPClassUID) != UID_SegmentationStorage)
    throw InputError(segPath, "SOPClassUID (0008,0016) is not Segmentation Storage");
  SegReference r;
  r.studyInstanceUid = text(ds, DCM_StudyInstanceUID);
  r.seriesInstanceUid = text(ds, DCM_SeriesInstanceUID);
  r.sopInstanceUid = text(ds, DCM_SOPInstanceUID);
  DcmSequenceOfItems* segments = nullptr;
  if (ds.findAndGetSequence(DCM_SegmentSequence, segments).bad() || segments == nullptr)
    throw InputError(segPath, "SegmentSequence (0062,0002) missing");
  for (unsigned long k = 0; k < segments->card(); ++k)
  {
    DcmItem* item = segments->getItem(k);
    Uint16 number = 0;
    if (item->findAndGetUint16(DCM_SegmentNumber, number).bad())
      throw InputError(segPath,
                       "SegmentSequence item " + std::to_string(k + 1) +
                         ": SegmentNumber (0062,0004) missing");
    r.segmentNumbers[text(*item, DCM_SegmentLabel)] = number;
  }
  return r;
}

std::string writeMeasurementReport(const DicomAnalysis& analysis,
                                   const SegReference& seg,
                                   const std::string& path,
                                   const DicomSeriesOptions& options)
{
  SrContext c(analysis, seg);
  TID1500_MeasurementReport& report = c.report;
  check(report.setLanguage(CID5000_Languages::English), "language");
  check(report.getObservationContext().addDeviceObserver(
          newUid().c_str(), "LiverPlan", "LiverPlan", "liverplan"),
        "device observer");
  check(report.addProcedureReported(DSRCodedEntryValue(CODE_SCT_ImagingProcedure)),
        "procedure reported");
  check(report.getImageLibrary().createNewImageLibrary(), "image library");

  const model::VolumetryRecord& v = analysis.result.volumetry;
  if (volumetricGroup(c, "Liver", CODE_SCT_Liver))
    measure(report.getVolumetricROIMeasurements(),
            VolumeConcept,
            v.totalLiverMl,
            Millilitre,
            "total liver volume");
  for (const model::LesionRecord& lesion : v.lesions)
    if (lesion.volumeMl && volumetricGroup(c,
                                           "Lesion " + std::to_string(lesion.id),
                                           DSRCodedEntryValue("108369006", "SCT", "Neoplasm")))
      measure(report.getVolumetricROIMeasurements(),
              VolumeConcept,
              *lesion.volumeMl,
              Millilitre,
              "lesion " + std::to_string(lesion.id));
  addPlanGroups(c);
  addBodyGroup(c);
  addDecision(c);
  if (!report.isValid())
    throw ProcessingError("DICOM SR: DCMTK finds the TID 1500 report incomplete");

  DSRDocument doc;
  check(doc.setTreeFromRootTemplate(report, OFTrue), "document tree");
  check(doc.getCodingSchemeIdentification().addItem(
          LiverPlanCodingScheme, "", "LiverPlan liver surgery planning concepts", "LiverPlan"),
        "coding scheme");
  check(doc.createNewSeriesInStudy(analysis.source.studyInstanceUid.c_str()), "study");
  check(doc.setSeriesNumber(options.seriesNumber.c_str()), "SeriesNumber");
  check(doc.setSeriesDescription(dicomText(options.seriesDescription, 64).c_str()),
        "SeriesDescription");
  check(doc.setManufacturer("LiverPlan"), "Manufacturer");
  check(doc.setManufacturerModelName("liverplan"), "ManufacturerModelName");
  check(doc.setSoftwareVersions(dicomText(model::toolVersion(), 64).c_str()), "SoftwareVersions");
  check(doc.completeDocument(), "completion flag");
  // Evidence: the SEG and every CT image the SEG's frames come from.
  DSRSOPInstanceReferenceList& evidence = doc.getCurrentRequestedProcedureEvidence();
  check(evidence.addItem(seg.studyInstanceUid.c_str(),
                         seg.seriesInstanceUid.c_str(),
                         UID_SegmentationStorage,
                         seg.sopInstanceUid.c_str()),
        "evidence: SEG");
  const DicomSourceSeries& source = analysis.source;
  for (std::size_t z = 0; z < source.sopInstanceUids.size(); ++z)
    check(evidence.addItem(source.studyInstanceUid.c_str(),
                           source.seriesInstanceUid.c_str(),
                           source.sopClassUids[z].c_str(),
                           source.sopInstanceUids[z].c_str()),
          "evidence: CT image");

  DcmFileFormat sourceFile;
  if (sourceFile.loadFile(source.firstFile.c_str(), EXS_Unknown, EGL_noChange, 256).bad())
    throw InputError(source.firstFile, "the CT's DICOM file cannot be read any more");
  DcmDataset& src = *sourceFile.getDataset();
  OFString charset;
  if (src.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good() && !charset.empty())
    check(doc.setSpecificCharacterSet(charset), "SpecificCharacterSet");
  DcmFileFormat out;
  DcmDataset& ds = *out.getDataset();
  check(doc.write(ds), "encoding");
  DcmModuleHelpers::copyPatientModule(src, ds);
  DcmModuleHelpers::copyPatientStudyModule(src, ds);
  DcmModuleHelpers::copyGeneralStudyModule(src, ds);
  const std::string sopInstanceUid = text(ds, DCM_SOPInstanceUID);
  writeFileAtomically(path,
                      [&](const std::string& temporary)
                      {
                        if (out.saveFile(temporary.c_str(), EXS_LittleEndianExplicit).bad())
                          throw OutputError(path + ": DCMTK could not write the file");
                      });
  return sopInstanceUid;
}

const SrMeasurement* SrMeasurementGroup::find(const std::string& code) const
{
  for (const SrMeasurement& m : measurements)
    if (m.concept.value == code)
      return &m;
  return nullptr;
}

const SrMeasurementGroup* MeasurementReportContent::group(const std::string& id) const
{
  for (const SrMeasurementGroup& g : groups)
    if (g.trackingIdentifier == id)
      return &g;
  return nullptr;
}

MeasurementReportContent readMeasurementReport(const std::string& path)
{
  DcmFileFormat ff;
  if (ff.loadFile(path.c_str()).bad())
    throw InputError(path, "not a readable DICOM file");
  DSRDocument doc;
  if (const OFCondition status = doc.read(*ff.getDataset()); status.bad())
    throw InputError(path, std::string("not a readable structured report: ") + status.text());
  MeasurementReportContent r;
  DcmDataset& ds = *ff.getDataset();
  r.sopClassUid = text(ds, DCM_SOPClassUID);
  r.sopInstanceUid = text(ds, DCM_SOPInstanceUID);
  r.studyInstanceUid = text(ds, DCM_StudyInstanceUID);
  r.seriesInstanceUid = text(ds, DCM_SeriesInstanceUID);
  r.patientId = text(ds, DCM_PatientID);
  DSRSOPInstanceReferenceList& evidence = doc.getCurrentRequestedProcedureEvidence();
  if (evidence.gotoFirstItem().good())
    do
    {
      OFString uid;
      r.evidenceSopInstanceUids.push_back(evidence.getSOPInstanceUID(uid).c_str());
    } while (evidence.gotoNextItem().good());

  DSRDocumentTree& tree = doc.getTree();
  if (tree.gotoRoot() == 0)
    throw InputError(path, "the structured report has no content");
  r.title = concept(tree.getCurrentContentItem().getConceptName());
  // Depth-first walk: a "Measurement Group" container opens a group for the items below it;
  // "Qualitative Evaluations" holds the report-level texts.
  SrMeasurementGroup* group = nullptr;
  std::size_t groupLevel = 0, evaluationsLevel = 0;
  SrMeasurement* lastMeasurement = nullptr;
  while (tree.iterate() != 0)
  {
    const std::size_t level = tree.getLevel();
    DSRContentItem& item = tree.getCurrentContentItem();
    const CodedConcept name = concept(item.getConceptName());
    if (group && level <= groupLevel)
      group = nullptr;
    if (evaluationsLevel != 0 && level <= evaluationsLevel)
      evaluationsLevel = 0;
    const DSRTypes::E_ValueType type = item.getValueType();
    if (type == DSRTypes::VT_Container && name.value == "125007" && name.scheme == "DCM")
    {
      r.groups.emplace_back();
      group = &r.groups.back();
      groupLevel = level;
      lastMeasurement = nullptr;
      continue;
    }
    if (type == DSRTypes::VT_Container && name.value == "C0034375")
    {
      evaluationsLevel = level;
      continue;
    }
    if (evaluationsLevel != 0 && level == evaluationsLevel + 1)
    {
      r.evaluations[name.meaning] = type == DSRTypes::VT_Code
                                      ? item.getCodeValue().getCodeMeaning().c_str()
                                      : item.getStringValue().c_str();
      continue;
    }
    if (!group)
      continue;
    if (level == groupLevel + 1)
    {
      if (type == DSRTypes::VT_Text && name.value == "112039")
        group->trackingIdentifier = item.getStringValue().c_str();
      else if (type == DSRTypes::VT_UIDRef && name.value == "112040")
        group->trackingUid = item.getStringValue().c_str();
      else if (type == DSRTypes::VT_Code && name.value == "121071")
      group->finding = concept(item.getCodeValue());
      else if (type == DSRTypes::VT_Image && name.value == "121191")
      {
        const DSRImageReferenceValue& image = item.getImageReference();
        group->segmentationUid = image.getSOPInstanceUID().c_str();
        if (!image.getSegmentList().isEmpty())
          group->segmentNumber = static_cast<int>(image.getSegmentList().getItem(1));
      }
      else if (type == DSRTypes::VT_Num)
      {
        const DSRNumericMeasurementValue& number = item.getNumericValue();
        SrMeasurement m;
        m.concept = name;
        m.valueText = number.getNumericValue().c_str();
        m.value = std::strtod(m.valueText.c_str(), nullptr);
        m.unit = concept(number.getMeasurementUnit());
        group->measurements.push_back(m);
        lastMeasurement = &group->measurements.back();
      }
      else if (type == DSRTypes::VT_Text || type == DSRTypes::VT_Code)
        group->evaluations[name.meaning] = type == DSRTypes::VT_Code
                                             ? item.getCodeValue().getCodeMeaning().c_str()
                                             : item.getStringValue().c_str();
    }
    else if (level == groupLevel + 2 && lastMeasurement && type == DSRTypes::VT_Code &&
             name.meaning == "Measurement Method")
    lastMeasurement->method = concept(item.getCodeValue());
  }
  return r;
}

} // namespace liver::report
