/// Writing a DICOM SEG (DCMTK dcmseg) that references the CT series it was made on: the source
/// series found slice by slice, then one BINARY Segmentation object, written atomically.

#include <liver/segmentation/dicom_seg.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <dcmtk/config/osconfig.h> // must come first of DCMTK's headers

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmiod/cielabutil.h>
#include <dcmtk/dcmiod/iodutil.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

std::string text(DcmItem& item, const DcmTagKey& tag)
{
  OFString value;
  if (item.findAndGetOFString(tag, value).bad())
    return {};
  return value.c_str();
}

std::string decimal(double v)
{
  std::ostringstream out;
  out.precision(10);
  out << v;
  std::string s = out.str();
  return s.size() > 16 ? std::to_string(v).substr(0, 16) : s; // DS holds 16 characters
}

void check(const OFCondition& status, const std::string& what)
{
  if (status.bad())
    throw ProcessingError("DICOM SEG: " + what + ": " + status.text());
}

CodeSequenceMacro macro(const CodedConcept& c)
{
  return CodeSequenceMacro(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str());
}

} // namespace

std::string dicomText(const std::string& s, std::size_t maxLength)
{
  std::string out;
  for (char c : s)
    if (c != '\\' && static_cast<unsigned char>(c) >= 32 && out.size() < maxLength)
      out += c;
  return out;
}

DicomSourceSeries findDicomSourceSeries(const std::string& folder,
                                        const std::string& seriesUid,
                                        const itk::ImageBase<3>& grid)
{
  if (seriesUid.empty())
    throw InputError(folder,
                     "the CT has no SeriesInstanceUID: a DICOM SEG must reference a "
                     "DICOM series");
  std::error_code ec;
  if (!fs::is_directory(folder, ec) && !fs::is_regular_file(folder, ec))
    throw InputError(folder, "the CT's DICOM source is not there any more");
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  DicomSourceSeries series;
  series.folder = folder;
  series.seriesInstanceUid = seriesUid;
  series.sopClassUids.assign(size[2], "");
  series.sopInstanceUids.assign(size[2], "");
  std::vector<std::string> files;
  if (fs::is_regular_file(folder, ec))
    files.push_back(folder);
  else
    for (auto it = fs::recursive_directory_iterator(folder, ec);
         !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file(ec))
        files.push_back(it->path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& file : files)
  {
    DcmFileFormat ff;
    if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 64).bad())
      continue;
    DcmDataset& ds = *ff.getDataset();
    if (text(ds, DCM_SeriesInstanceUID) != seriesUid)
      continue;
    Sint32 frames = 1;
    if (ds.findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1)
      throw InputError(file,
                       "multi-frame source image: a DICOM SEG of an enhanced multi-frame "
                       "CT is not supported yet");
    Float64 p[3] = {};
    for (unsigned long k = 0; k < 3; ++k)
      if (ds.findAndGetFloat64(DCM_ImagePositionPatient, p[k], k).bad())
        throw InputError(file, "ImagePositionPatient (0020,0032) missing");
    itk::Point<double, 3> point;
    for (int k = 0; k < 3; ++k)
      point[k] = p[k];
    itk::ContinuousIndex<double, 3> index;
    grid.TransformPhysicalPointToContinuousIndex(point, index);
    const long z = std::lround(index[2]);
    if (std::abs(index[0]) > 0.05 || std::abs(index[1]) > 0.05 ||
        std::abs(index[2] - static_cast<double>(z)) > 0.05 || z < 0 ||
        z >= static_cast<long>(size[2]))
      continue; // not one of the grid's slices (a resampled grid is caught below)
    if (series.firstFile.empty())
    {
      series.firstFile = file;
      series.studyInstanceUid = text(ds, DCM_StudyInstanceUID);
      series.frameOfReferenceUid = text(ds, DCM_FrameOfReferenceUID);
    }
    series.sopClassUids[static_cast<std::size_t>(z)] = text(ds, DCM_SOPClassUID);
    series.sopInstanceUids[static_cast<std::size_t>(z)] = text(ds, DCM_SOPInstanceUID);
  }
  for (std::size_t z = 0; z < size[2]; ++z)
    if (series.sopInstanceUids[z].empty())
      throw InputError(folder,
                       "slice " + std::to_string(z) +
                         " of the CT's grid has no source "
                         "image of series " +
                         seriesUid +
                         " (resampled for spacing or tilt, or files gone): a DICOM SEG "
                         "references the CT's own slices");
  if (series.frameOfReferenceUid.empty())
    throw InputError(series.firstFile, "FrameOfReferenceUID (0020,0052) missing");
  return series;
}

std::string writeDicomSegmentation(const std::vector<SegmentToWrite>& segments,
                                   const DicomSourceSeries& source,
                                   const itk::ImageBase<3>& grid,
                                   const std::string& path,
                                   const DicomSegWriteOptions& options)
{
  const auto size = grid.GetLargestPossibleRegion().GetSize();
  if (size[0] > 65535 || size[1] > 65535)
    throw std::invalid_argument("writeDicomSegmentation: grid wider than 65535");
  if (source.sopInstanceUids.size() != size[2])
    throw std::invalid_argument("writeDicomSegmentation: source series has " +
                                std::to_string(source.sopInstanceUids.size()) +
                                " slices, the grid " + std::to_string(size[2]));
  const std::size_t pixels = size[0] * size[1];

  IODGeneralEquipmentModule::EquipmentInfo equipment(
    "LiverPlan", "liverplan", "0", dicomText(options.softwareVersion, 64).c_str());
  ContentIdentificationMacro content("1",
                                     dicomText(options.contentLabel, 16).c_str(),
                                     dicomText(options.contentDescription, 64).c_str(),
                                     "");
  DcmSegmentation* raw = nullptr;
  check(DcmSegmentation::createBinarySegmentation(
          raw, static_cast<Uint16>(size[1]), static_cast<Uint16>(size[0]), equipment, content),
        "create");
  std::unique_ptr<DcmSegmentation> seg(raw);
  check(seg->importFromSourceImage(source.firstFile.c_str()),
        "patient/study from " + source.firstFile);
  check(seg->getFrameOfReference().setFrameOfReferenceUID(source.frameOfReferenceUid.c_str()),
        "FrameOfReferenceUID");
  char uid[100];
  check(
    seg->getSeries().setSeriesInstanceUID(dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)),
    "SeriesInstanceUID");
  const std::string sopInstanceUid = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
  check(seg->getSOPCommon().setSOPInstanceUID(sopInstanceUid.c_str()), "SOPInstanceUID");
  check(seg->getSeries().setSeriesNumber(options.seriesNumber.c_str()), "SeriesNumber");
  check(seg->getSeries().setSeriesDescription(dicomText(options.seriesDescription, 64).c_str()),
        "SeriesDescription");
  DcmIODUtil::setContentDateAndTimeNow(seg->getGeneralImage());

  // Shared geometry: orientation and pixel measures of the CT grid.
  const auto& d = grid.GetDirection();
  const auto& s = grid.GetSpacing();
  std::unique_ptr<FGPlaneOrientationPatient> orientation(
    FGPlaneOrientationPatient::createMinimal(decimal(d[0][0]).c_str(),
                                             decimal(d[1][0]).c_str(),
                                             decimal(d[2][0]).c_str(),
                                             decimal(d[0][1]).c_str(),
                                             decimal(d[1][1]).c_str(),
                                             decimal(d[2][1]).c_str()));
  check(seg->addForAllFrames(*orientation), "PlaneOrientation");
  FGPixelMeasures measures;
  check(measures.setPixelSpacing((decimal(s[1]) + "\\" + decimal(s[0])).c_str()), "PixelSpacing");
  check(measures.setSliceThickness(
          decimal(options.sliceThicknessMm > 0 ? options.sliceThicknessMm : s[2]).c_str()),
        "SliceThickness");
  check(measures.setSpacingBetweenSlices(decimal(s[2]).c_str()), "SpacingBetweenSlices");
  check(seg->addForAllFrames(measures), "PixelMeasures");

  IODMultiframeDimensionModule& dimensions = seg->getDimensions();
  const std::string dimensionUid = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
  check(dimensions.addDimensionIndex(DCM_ReferencedSegmentNumber,
                                     dimensionUid.c_str(),
                                     DCM_SegmentIdentificationSequence,
                                     "ReferencedSegmentNumber"),
        "dimension index");
  check(dimensions.addDimensionIndex(DCM_ImagePositionPatient,
                                     dimensionUid.c_str(),
                                     DCM_PlanePositionSequence,
                                     "ImagePositionPatient"),
        "dimension index");

  // Every referenced source image, once, in the Common Instance Reference module.
  {
    auto* item = new IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem;
    item->setSeriesInstanceUID(source.seriesInstanceUid.c_str());
    for (std::size_t z = 0; z < size[2]; ++z)
      item->addReference(source.sopClassUids[z].c_str(), source.sopInstanceUids[z].c_str());
    seg->getCommonInstanceReference().getReferencedSeriesItems().push_back(item);
  }

  std::vector<Uint8> frame(pixels);
  std::size_t frames = 0;
  for (const SegmentToWrite& w : segments)
  {
    if (!w.map)
      throw std::invalid_argument("writeDicomSegmentation: segment \"" + w.label + "\" has no map");
    if (w.map->GetLargestPossibleRegion().GetSize() != size)
      throw std::invalid_argument("writeDicomSegmentation: segment \"" + w.label +
                                  "\" is not on the grid");
    const std::uint16_t* voxels = w.map->GetBufferPointer();
    auto in = [&](std::size_t v) { return w.value == 0 ? voxels[v] != 0 : voxels[v] == w.value; };
    std::size_t any = 0;
    for (std::size_t v = 0, n = pixels * size[2]; v < n && any == 0; ++v)
      any += in(v);
    if (any == 0)
      continue; // an empty segment has no frame; it is left out
    DcmSegment* segment = nullptr;
    check(
      DcmSegment::create(segment,
                         dicomText(w.label, 64).c_str(),
                         macro(w.category),
                         macro(w.type),
                         w.automatic ? DcmSegTypes::SAT_AUTOMATIC : DcmSegTypes::SAT_SEMIAUTOMATIC,
                         dicomText(w.algorithmName, 64).c_str()),
      "segment \"" + w.label + "\"");
    if (!w.description.empty())
      segment->setSegmentDescription(dicomText(w.description, 64).c_str());
    double L = 0, a = 0, b = 0;
    IODCIELabUtil::rgb2DicomLab(L, a, b, w.rgb[0], w.rgb[1], w.rgb[2]);
    segment->setRecommendedDisplayCIELabValue(static_cast<Uint16>(std::lround(L)),
                                              static_cast<Uint16>(std::lround(a)),
                                              static_cast<Uint16>(std::lround(b)));
    Uint16 number = 0;
    const OFCondition added = seg->addSegment(segment, number);
    if (added.bad())
    {
      delete segment;
      check(added, "segment \"" + w.label + "\"");
    }
    for (std::size_t z = 0; z < size[2]; ++z)
    {
      bool set = false;
      for (std::size_t p = 0; p < pixels; ++p)
      {
        frame[p] = in(z * pixels + p) ? 1 : 0;
        set = set || frame[p] != 0;
      }
      if (!set)
        continue;
      LabelImage::IndexType corner = { { 0, 0, static_cast<long>(z) } };
      itk::Point<double, 3> position;
      grid.TransformIndexToPhysicalPoint(corner, position);
      FGPlanePosPatient* planePosition = FGPlanePosPatient::createMinimal(
        decimal(position[0]).c_str(), decimal(position[1]).c_str(), decimal(position[2]).c_str());
      FGFrameContent frameContent;
      frameContent.setDimensionIndexValues(number, 0);
      frameContent.setDimensionIndexValues(static_cast<Uint32>(z + 1), 1);
      ImageSOPInstanceReferenceMacro reference;
      reference.setReferencedSOPClassUID(source.sopClassUids[z].c_str());
      reference.setReferencedSOPInstanceUID(source.sopInstanceUids[z].c_str());
      OFVector<ImageSOPInstanceReferenceMacro> references;
      references.push_back(reference);
      FGDerivationImage* derivation = FGDerivationImage::createMinimal(
        references,
        "Segmentation by LiverPlan",
        CodeSequenceMacro("113076", "DCM", "Segmentation"),
        CodeSequenceMacro("121322", "DCM", "Source image for image processing operation"));
      OFVector<FGBase*> perFrame;
      perFrame.push_back(planePosition);
      perFrame.push_back(&frameContent);
      perFrame.push_back(derivation);
      const OFCondition frameAdded = seg->addFrame(frame.data(), number, perFrame);
      delete planePosition;
      delete derivation;
      check(frameAdded, "frame " + std::to_string(z) + " of segment \"" + w.label + "\"");
      ++frames;
    }
  }
  if (frames == 0)
    throw ProcessingError("DICOM SEG: every segment is empty; nothing to write to " + path);
  writeFileAtomically(
    path,
    [&](const std::string& temporary)
    { check(seg->saveFile(temporary.c_str(), EXS_LittleEndianExplicit), "writing " + path); });
  return sopInstanceUid;
}

} // namespace liver
