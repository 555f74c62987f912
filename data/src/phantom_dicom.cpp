/// The phantom CT as a DICOM CT Image Storage series written with GDCM, one file per slice.

#include <liver/data/phantom.h>
#include <liver/imaging/errors.h>

#include <gdcmDataElement.h>
#include <gdcmDataSet.h>
#include <gdcmFile.h>
#include <gdcmTag.h>
#include <gdcmTransferSyntax.h>
#include <gdcmVR.h>
#include <gdcmWriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

constexpr const char* CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
constexpr int HuOffset = 1024;

/// Put a text element, padded to even length (UI with NUL, the other text VRs with a space).
void putText(gdcm::DataSet& ds,
             std::uint16_t group,
             std::uint16_t element,
             gdcm::VR vr,
             std::string value)
{
  if (value.size() % 2 != 0)
    value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
  gdcm::DataElement de(gdcm::Tag(group, element));
  de.SetVR(vr);
  de.SetByteValue(value.data(), static_cast<std::uint32_t>(value.size()));
  ds.Replace(de);
}

void putUs(gdcm::DataSet& ds, std::uint16_t group, std::uint16_t element, std::uint16_t value)
{
  const char bytes[2] = { static_cast<char>(value & 0xFF), static_cast<char>(value >> 8) };
  gdcm::DataElement de(gdcm::Tag(group, element));
  de.SetVR(gdcm::VR::US);
  de.SetByteValue(bytes, 2);
  ds.Replace(de);
}

/// Decimal String value: the shortest %g form that fits DICOM's 16 characters.
std::string ds(double value)
{
  if (value == 0.0)
    return "0";
  char text[32];
  for (int precision = 15; precision > 0; --precision)
  {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::string(text).size() <= 16)
      break;
  }
  return text;
}

std::string ds(std::initializer_list<double> values)
{
  std::string joined;
  for (const double v : values)
    joined += (joined.empty() ? "" : "\\") + ds(v);
  return joined;
}

/// Elements shared by every slice of the series.
gdcm::DataSet seriesDataSet(const Phantom& phantom)
{
  const CtImage& ct = *phantom.ct;
  const StudyInfo& s = phantom.study;
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  const auto& spacing = ct.GetSpacing();
  const auto& dir = ct.GetDirection();
  const std::string time = "120000";

  gdcm::DataSet d;
  putText(d, 0x0008, 0x0005, gdcm::VR::CS, "ISO_IR 100");
  putText(d, 0x0008, 0x0008, gdcm::VR::CS, "ORIGINAL\\PRIMARY\\AXIAL");
  putText(d, 0x0008, 0x0016, gdcm::VR::UI, CtImageStorage);
  for (const std::uint16_t e : { 0x0020, 0x0021, 0x0023 })
    putText(d, 0x0008, e, gdcm::VR::DA, s.studyDate);
  for (const std::uint16_t e : { 0x0030, 0x0031, 0x0033 })
    putText(d, 0x0008, e, gdcm::VR::TM, time);
  putText(d, 0x0008, 0x0050, gdcm::VR::SH, "");
  putText(d, 0x0008, 0x0060, gdcm::VR::CS, s.modality);
  putText(d, 0x0008, 0x0070, gdcm::VR::LO, s.manufacturer);
  putText(d, 0x0008, 0x0090, gdcm::VR::PN, "");
  putText(d, 0x0008, 0x1030, gdcm::VR::LO, s.studyDescription);
  putText(d, 0x0008, 0x103E, gdcm::VR::LO, s.seriesDescription);
  putText(d, 0x0010, 0x0010, gdcm::VR::PN, s.patientName);
  putText(d, 0x0010, 0x0020, gdcm::VR::LO, s.patientId);
  putText(d, 0x0010, 0x0030, gdcm::VR::DA, "");
  putText(d, 0x0010, 0x0040, gdcm::VR::CS, s.patientSex);
  putText(d, 0x0018, 0x0010, gdcm::VR::LO, s.contrastAgent);
  putText(d, 0x0018, 0x0050, gdcm::VR::DS, ds(s.sliceThicknessMm));
  putText(d, 0x0018, 0x0060, gdcm::VR::DS, ds(s.kvp));
  putText(d, 0x0018, 0x0088, gdcm::VR::DS, ds(spacing[2]));
  putText(d, 0x0018, 0x5100, gdcm::VR::CS, "HFS");
  putText(d, 0x0020, 0x000D, gdcm::VR::UI, s.studyInstanceUid);
  putText(d, 0x0020, 0x000E, gdcm::VR::UI, s.seriesInstanceUid);
  putText(d, 0x0020, 0x0010, gdcm::VR::SH, "1");
  putText(d, 0x0020, 0x0011, gdcm::VR::IS, "1");
  putText(d, 0x0020, 0x0012, gdcm::VR::IS, "1");
  putText(d,
          0x0020,
          0x0037,
          gdcm::VR::DS,
          ds({ dir[0][0], dir[1][0], dir[2][0], dir[0][1], dir[1][1], dir[2][1] }));
  putText(d, 0x0020, 0x0052, gdcm::VR::UI, phantomUid(phantom.truth.seed, "frame-of-reference"));
  putText(d, 0x0020, 0x1040, gdcm::VR::LO, "");
  putUs(d, 0x0028, 0x0002, 1);
  putText(d, 0x0028, 0x0004, gdcm::VR::CS, "MONOCHROME2");
  putUs(d, 0x0028, 0x0010, static_cast<std::uint16_t>(size[1]));
  putUs(d, 0x0028, 0x0011, static_cast<std::uint16_t>(size[0]));
  putText(d, 0x0028, 0x0030, gdcm::VR::DS, ds({ spacing[1], spacing[0] }));
  putUs(d, 0x0028, 0x0100, 16);
  putUs(d, 0x0028, 0x0101, 16);
  putUs(d, 0x0028, 0x0102, 15);
  putUs(d, 0x0028, 0x0103, 0);
  putText(d, 0x0028, 0x1050, gdcm::VR::DS, "60");
  putText(d, 0x0028, 0x1051, gdcm::VR::DS, "400");
  putText(d, 0x0028, 0x1052, gdcm::VR::DS, ds(-static_cast<double>(HuOffset)));
  putText(d, 0x0028, 0x1053, gdcm::VR::DS, "1");
  putText(d, 0x0028, 0x1054, gdcm::VR::LO, "HU");
  return d;
}

void writeSlice(const Phantom& phantom,
                const gdcm::DataSet& series,
                std::size_t k,
                const fs::path& path)
{
  const CtImage& ct = *phantom.ct;
  const auto size = ct.GetLargestPossibleRegion().GetSize();
  CtImage::IndexType first{ { 0, 0, static_cast<itk::IndexValueType>(k) } };
  CtImage::PointType position;
  ct.TransformIndexToPhysicalPoint(first, position);

  gdcm::Writer writer;
  gdcm::File& file = writer.GetFile();
  file.GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  gdcm::DataSet& d = file.GetDataSet();
  d = series;
  // A second series of the same seed (a study tree) gets its own SOP instance UIDs.
  const std::string& seriesUid = phantom.study.seriesInstanceUid;
  const std::string role =
    seriesUid == phantomUid(phantom.truth.seed, "series") ? "sop" : "sop/" + seriesUid;
  putText(d, 0x0008, 0x0018, gdcm::VR::UI, phantomUid(phantom.truth.seed, role, k));
  putText(d, 0x0020, 0x0013, gdcm::VR::IS, std::to_string(k + 1));
  putText(d, 0x0020, 0x0032, gdcm::VR::DS, ds({ position[0], position[1], position[2] }));
  putText(d, 0x0020, 0x1041, gdcm::VR::DS, ds(position[2]));

  const std::size_t pixels = size[0] * size[1];
  const std::int16_t* hu = ct.GetBufferPointer() + k * pixels;
  std::vector<char> bytes(2 * pixels);
  for (std::size_t i = 0; i < pixels; ++i)
  {
    const int stored = std::clamp(hu[i] + HuOffset, 0, 65535);
    bytes[2 * i] = static_cast<char>(stored & 0xFF);
    bytes[2 * i + 1] = static_cast<char>(stored >> 8);
  }
  gdcm::DataElement pixelData(gdcm::Tag(0x7FE0, 0x0010));
  pixelData.SetVR(gdcm::VR::OW);
  pixelData.SetByteValue(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
  d.Replace(pixelData);

  writer.SetFileName(path.string().c_str());
  if (!writer.Write())
    throw OutputError(path.string() + ": cannot write DICOM file");
}

} // namespace

void writePhantomDicom(const Phantom& phantom, const std::string& directory)
{
  if (!phantom.ct)
    throw std::invalid_argument("writePhantomDicom: phantom has no CT");
  const auto size = phantom.ct->GetLargestPossibleRegion().GetSize();
  if (size[0] > 65535 || size[1] > 65535 || size[2] > 99999)
    throw std::invalid_argument("writePhantomDicom: grid too large for one file per slice");

  const fs::path target(directory);
  std::error_code ec;
  if (fs::exists(target, ec) && (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)))
    throw OutputError(directory + ": DICOM output folder exists and is not empty");
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec)
    throw OutputError(parent.string() + ": cannot create folder: " + ec.message());
  const fs::path temporary =
    parent / (".tmp-" + target.filename().string() + "-" + std::to_string(getpid()));
  fs::remove_all(temporary, ec);
  if (!fs::create_directory(temporary, ec))
    throw OutputError(temporary.string() + ": cannot create folder: " + ec.message());

  try
  {
    const gdcm::DataSet series = seriesDataSet(phantom);
    for (std::size_t k = 0; k < size[2]; ++k)
    {
      char name[16];
      std::snprintf(name, sizeof(name), "IM%05zu.dcm", k + 1);
      writeSlice(phantom, series, k, temporary / name);
    }
    if (fs::exists(target, ec))
      fs::remove(target);
    fs::rename(temporary, target);
  }
  catch (const fs::filesystem_error& e)
  {
    fs::remove_all(temporary, ec);
    throw OutputError(directory + ": cannot write DICOM series: " + e.what());
  }
  catch (...)
  {
    fs::remove_all(temporary, ec);
    throw;
  }
}

} // namespace liver
