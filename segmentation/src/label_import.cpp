/// Label import: TotalSegmentator outputs, LiTS/MSD maps, 3D Slicer .seg.nrrd and binary masks
/// into LiverLabels on the CT's grid, with provenance and notes.

#include <liver/segmentation/label_import.h>
#include <liver/segmentation/slicer_export.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/voxel_grid.h>
#include <liver/segmentation/dicom_seg.h>
#include <liver/segmentation/liver_labels.h>

#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <itkMetaDataObject.h>

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

// ---------------------------------------------------------------------------------------------
// Small helpers

bool endsWith(const std::string& s, const std::string& suffix)
{
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s)
{
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joinValues(const std::set<std::uint16_t>& values, std::size_t limit = 20)
{
  std::ostringstream out;
  std::size_t n = 0;
  for (std::uint16_t v : values)
  {
    if (n == limit)
    {
      out << ", ...";
      break;
    }
    out << (n++ ? ", " : "") << v;
  }
  return values.empty() ? std::string("none") : out.str();
}

std::string joinQuoted(const std::vector<std::string>& names)
{
  std::ostringstream out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out << (i ? ", " : "") << '"' << names[i] << '"';
  return out.str();
}

std::size_t voxelCount(const itk::ImageBase<3>& image)
{
  return image.GetLargestPossibleRegion().GetNumberOfPixels();
}

LabelImage::Pointer blankLike(const itk::ImageBase<3>& grid)
{
  auto image = LabelImage::New();
  image->CopyInformation(&grid);
  image->SetRegions(grid.GetLargestPossibleRegion());
  image->Allocate(true);
  return image;
}

std::uint64_t countNonZero(const LabelImage& image)
{
  const std::uint16_t* p = image.GetBufferPointer();
  return static_cast<std::uint64_t>(
    std::count_if(p, p + voxelCount(image), [](std::uint16_t v) { return v != 0; }));
}

/// Binary (0/1) mask of the voxels where `keep(value)` holds.
template<typename Predicate>
LabelImage::Pointer maskWhere(const LabelImage& labels, const Predicate& keep)
{
  LabelImage::Pointer mask = blankLike(labels);
  const std::uint16_t* in = labels.GetBufferPointer();
  std::uint16_t* out = mask->GetBufferPointer();
  const std::size_t n = voxelCount(labels);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = keep(in[i]) ? 1 : 0;
  return mask;
}

std::string percent(std::uint64_t part, std::uint64_t whole)
{
  std::ostringstream out;
  out.precision(3);
  out << (whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0) << " %";
  return out.str();
}

// ---------------------------------------------------------------------------------------------
// Segment and label names

enum class Role
{
  Liver,
  Tumour,
  Couinaud,
  Vessel,
  Unknown
};

struct NameRole
{
  Role role = Role::Unknown;
  int couinaud = 0;                           ///< 1..8 for Role::Couinaud
  ImportedVessel vessel = VesselIntrahepatic; ///< for Role::Vessel
};

std::vector<std::string> words(const std::string& name)
{
  std::string s = lower(name);
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = ' ';
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// 1..8 from "3", "4a", "viii", "iva"; 0 otherwise.
int couinaudNumber(const std::string& token)
{
  static const std::map<std::string, int> numbers = {
    { "1", 1 },   { "2", 2 },    { "3", 3 },  { "4", 4 },   { "5", 5 },   { "6", 6 },  { "7", 7 },
    { "8", 8 },   { "i", 1 },    { "ii", 2 }, { "iii", 3 }, { "iv", 4 },  { "v", 5 },  { "vi", 6 },
    { "vii", 7 }, { "viii", 8 }, { "4a", 4 }, { "4b", 4 },  { "iva", 4 }, { "ivb", 4 }
  };
  const auto it = numbers.find(token);
  return it == numbers.end() ? 0 : it->second;
}

/// What a segment or label name means, case-insensitive: tumour ("tumor", "tumour", "lesion*",
/// "metasta*"), Couinaud segment ("Segment 1".."Segment VIII", "Couinaud 4a", "S3",
/// "liver_segment_5"), vessel ("portal vein", "hepatic vein", "IVC", "inferior vena cava",
/// "liver vessels", any "vein"/"artery"/"vessel"), liver ("liver", "liver parenchyma").
NameRole classifyName(const std::string& name)
{
  const std::vector<std::string> w = words(name);
  auto has = [&](const char* word) { return std::find(w.begin(), w.end(), word) != w.end(); };
  auto hasPrefix = [&](const char* prefix)
  {
    return std::any_of(
      w.begin(), w.end(), [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
  };
  NameRole r;
  if (has("tumor") || has("tumour") || has("tumors") || has("tumours") || hasPrefix("lesion") ||
      hasPrefix("metasta"))
  {
    r.role = Role::Tumour;
    return r;
  }
  // Couinaud: "segment N", "couinaud N", "sN", "liver segment N" (TotalSegmentator).
  {
    std::vector<std::string> rest;
    bool segmentWord = false;
    for (const std::string& t : w)
    {
      if (t == "segment" || t == "seg" || t == "couinaud" || t == "s")
        segmentWord = true;
      else if (t.size() >= 2 && t[0] == 's' && couinaudNumber(t.substr(1)) > 0 &&
               std::isdigit(static_cast<unsigned char>(t[1])))
      {
        segmentWord = true;
        rest.push_back(t.substr(1));
      }
      else if (t.rfind("segment", 0) == 0 && couinaudNumber(t.substr(7)) > 0)
      {
        segmentWord = true;
        rest.push_back(t.substr(7));
      }
      else if (t != "liver" && t != "hepatic")
        rest.push_back(t);
    }
    if (segmentWord && rest.size() == 1 && couinaudNumber(rest[0]) > 0)
    {
      r.role = Role::Couinaud;
      r.couinaud = couinaudNumber(rest[0]);
      return r;
    }
  }
  const bool vena = has("vena") && has("cava");
  if (has("ivc") || (vena && !has("superior")))
  {
    r.role = Role::Vessel;
    r.vessel = VesselInferiorVenaCava;
    return r;
  }
  if (has("portal"))
  {
    r.role = Role::Vessel;
    r.vessel = VesselPortalVein;
    return r;
  }
  if ((has("hepatic") && (has("vein") || has("veins"))) || has("mhv") || has("rhv") || has("lhv"))
  {
    r.role = Role::Vessel;
    r.vessel = VesselHepaticVein;
    return r;
  }
  if ((has("liver") || has("hepatic")) && (hasPrefix("vessel") || hasPrefix("vascul")))
  {
    r.role = Role::Vessel;
    r.vessel = VesselIntrahepatic;
    return r;
  }
  if (hasPrefix("vessel") || hasPrefix("vein") || hasPrefix("arter") || vena)
  {
    r.role = Role::Vessel;
    r.vessel = VesselOther;
    return r;
  }
  if (has("liver") || has("parenchyma"))
    r.role = Role::Liver;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Label names stored in files

/// TotalSegmentator's label names from the NIfTI-1 header extension (a CaretExtension XML with
/// <Label Key="5" ...><![CDATA[liver]]></Label>); empty when the file has none.
std::map<std::uint16_t, std::string> niftiLabelNames(const std::string& path)
{
  std::map<std::uint16_t, std::string> names;
  if (!endsWith(lower(path), ".nii.gz") && !endsWith(lower(path), ".nii"))
    return names;
  gzFile file = gzopen(path.c_str(), "rb"); // reads plain .nii transparently
  if (file == nullptr)
    return names;
  std::vector<char> header(352);
  const int got = gzread(file, header.data(), static_cast<unsigned>(header.size()));
  std::int32_t sizeofHdr = 0;
  float voxOffset = 0.0f;
  std::memcpy(&sizeofHdr, header.data(), 4);
  std::memcpy(&voxOffset, header.data() + 108, 4);
  std::string extensions;
  // Little-endian NIfTI-1 with an extension flag only; the extensions end at vox_offset.
  if (got == 352 && sizeofHdr == 348 && header[348] != 0 && voxOffset > 352.0f &&
      voxOffset < 64.0f * 1024 * 1024)
  {
    extensions.resize(static_cast<std::size_t>(voxOffset) - 352);
    const int n = gzread(file, extensions.data(), static_cast<unsigned>(extensions.size()));
    extensions.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  gzclose(file);
  std::size_t at = 0;
  while ((at = extensions.find("<Label ", at)) != std::string::npos) // not <LabelTable>
  {
    const std::size_t end = extensions.find("</Label>", at);
    const std::size_t key = extensions.find("Key=\"", at);
    const std::size_t close = extensions.find('>', at);
    if (end == std::string::npos || key == std::string::npos || close == std::string::npos ||
        key > close)
      break;
    const long value = std::strtol(extensions.c_str() + key + 5, nullptr, 10);
    std::string text = extensions.substr(close + 1, end - close - 1);
    if (text.rfind("<![CDATA[", 0) == 0 && endsWith(text, "]]>"))
      text = text.substr(9, text.size() - 12);
    if (value > 0 && value <= 65535)
      names[static_cast<std::uint16_t>(value)] = text;
    at = end;
  }
  return names;
}

std::string metaString(const itk::MetaDataDictionary& dictionary, const std::string& key)
{
  std::string value;
  itk::ExposeMetaData<std::string>(dictionary, key, value);
  return value;
}

bool hasSlicerKeys(const std::string& path)
{
  if (!endsWith(lower(path), ".nrrd") && !endsWith(lower(path), ".nhdr"))
    return false;
  itk::ImageIOBase::Pointer io = readImageHeader(path);
  return !metaString(io->GetMetaDataDictionary(), "Segment0_Name").empty() ||
         !metaString(io->GetMetaDataDictionary(), "Segment0_ID").empty();
}

template<typename T>
void convertLayers(const char* raw,
                   std::size_t voxels,
                   unsigned components,
                   std::vector<LabelImage::Pointer>& layers,
                   const std::string& path)
{
  const T* in = reinterpret_cast<const T*>(raw);
  for (std::size_t v = 0; v < voxels; ++v)
    for (unsigned c = 0; c < components; ++c)
    {
      const double value = static_cast<double>(in[v * components + c]);
      if (!(value >= 0.0 && value <= 65535.0) || value != std::floor(value))
        throw InputError(path,
                         "voxel " + std::to_string(v) + " layer " + std::to_string(c) +
                           " has value " + std::to_string(value) + ", not a label");
      layers[c]->GetBufferPointer()[v] = static_cast<std::uint16_t>(value);
    }
}

/// A 3D image with several components per voxel (ITK's view of a 4D .seg.nrrd whose first axis
/// is a "list"), one LabelImage per component.
std::vector<LabelImage::Pointer> readLayers(const std::string& path, itk::ImageIOBase& io)
{
  const unsigned components = io.GetNumberOfComponents();
  auto geometry = LabelImage::New();
  LabelImage::RegionType region;
  LabelImage::SpacingType spacing;
  LabelImage::PointType origin;
  LabelImage::DirectionType direction;
  itk::ImageIORegion ioRegion(3);
  for (unsigned a = 0; a < 3; ++a)
  {
    region.SetSize(a, io.GetDimensions(a));
    ioRegion.SetSize(a, io.GetDimensions(a));
    ioRegion.SetIndex(a, 0);
    spacing[a] = io.GetSpacing(a);
    origin[a] = io.GetOrigin(a);
    for (unsigned r = 0; r < 3; ++r)
      direction[r][a] = io.GetDirection(a)[r];
  }
  geometry->SetRegions(region);
  geometry->SetSpacing(spacing);
  geometry->SetOrigin(origin);
  geometry->SetDirection(direction);
  checkGeometry(*geometry, path);
  std::vector<LabelImage::Pointer> layers;
  for (unsigned c = 0; c < components; ++c)
    layers.push_back(blankLike(*geometry));
  io.SetIORegion(ioRegion);
  std::vector<char> raw(io.GetImageSizeInBytes());
  try
  {
    io.Read(raw.data());
  }
  catch (const itk::ExceptionObject& e)
  {
    throw InputError(path, std::string("cannot read segmentation layers: ") + e.GetDescription());
  }
  const std::size_t voxels = voxelCount(*geometry);
  using C = itk::IOComponentEnum;
  switch (io.GetComponentType())
  {
    case C::UCHAR:
      convertLayers<unsigned char>(raw.data(), voxels, components, layers, path);
      break;
    case C::CHAR:
      convertLayers<signed char>(raw.data(), voxels, components, layers, path);
      break;
    case C::USHORT:
      convertLayers<unsigned short>(raw.data(), voxels, components, layers, path);
      break;
    case C::SHORT:
      convertLayers<short>(raw.data(), voxels, components, layers, path);
      break;
    case C::UINT:
      convertLayers<unsigned int>(raw.data(), voxels, components, layers, path);
      break;
    case C::INT:
      convertLayers<int>(raw.data(), voxels, components, layers, path);
      break;
    case C::FLOAT:
      convertLayers<float>(raw.data(), voxels, components, layers, path);
      break;
    case C::DOUBLE:
      convertLayers<double>(raw.data(), voxels, components, layers, path);
      break;
    default:
      throw InputError(path, "unsupported voxel type for a segmentation");
  }
  return layers;
}

// ---------------------------------------------------------------------------------------------
// Grids

/// `image` on the grid: unchanged when the grids match; padded or cropped exactly when it lies
/// on the grid's own voxel lattice (same spacing and direction, origin a whole number of voxels
/// away, as Slicer's cropped segmentations); else labelsOnGrid (refuse or resample).
LabelImage::Pointer onGrid(const LabelImage::Pointer& image,
                           const itk::ImageBase<3>& grid,
                           const std::string& path,
                           bool resample,
                           bool allowLatticeCrop,
                           std::vector<std::string>& notes)
{
  auto viaLabelsOnGrid = [&]
  {
    std::string mapping;
    LabelImage::Pointer out = labelsOnGrid(image, grid, path, resample, &mapping);
    if (!mapping.empty())
      notes.push_back(path + ": " + LabelGridMappingNote + ": " + mapping);
    return out;
  };
  if (describeGridMismatch(grid, *image).empty() || !allowLatticeCrop)
    return viaLabelsOnGrid();
  const GridTolerance tolerance;
  for (int a = 0; a < 3; ++a)
  {
    if (std::abs(grid.GetSpacing()[a] - image->GetSpacing()[a]) >
        tolerance.spacingRelative * grid.GetSpacing()[a])
      return viaLabelsOnGrid();
    for (int b = 0; b < 3; ++b)
      if (std::abs(grid.GetDirection()[a][b] - image->GetDirection()[a][b]) > tolerance.direction)
        return viaLabelsOnGrid();
  }
  itk::ContinuousIndex<double, 3> start;
  grid.TransformPhysicalPointToContinuousIndex(image->GetOrigin(), start);
  std::array<long, 3> offset{};
  for (int a = 0; a < 3; ++a)
  {
    offset[a] = std::lround(start[a]);
    if (std::abs(start[a] - static_cast<double>(offset[a])) > tolerance.originVoxels)
      return viaLabelsOnGrid();
  }
  LabelImage::Pointer out = blankLike(grid);
  const auto gs = grid.GetLargestPossibleRegion().GetSize();
  const auto is = image->GetLargestPossibleRegion().GetSize();
  std::uint64_t dropped = 0;
  const std::uint16_t* in = image->GetBufferPointer();
  std::uint16_t* o = out->GetBufferPointer();
  for (std::size_t z = 0, v = 0; z < is[2]; ++z)
    for (std::size_t y = 0; y < is[1]; ++y)
      for (std::size_t x = 0; x < is[0]; ++x, ++v)
      {
        if (in[v] == 0)
          continue;
        const long gx = static_cast<long>(x) + offset[0], gy = static_cast<long>(y) + offset[1],
                   gz = static_cast<long>(z) + offset[2];
        if (gx < 0 || gy < 0 || gz < 0 || gx >= static_cast<long>(gs[0]) ||
            gy >= static_cast<long>(gs[1]) || gz >= static_cast<long>(gs[2]))
        {
          ++dropped;
          continue;
        }
        o[static_cast<std::size_t>(gx) +
          gs[0] * (static_cast<std::size_t>(gy) + gs[1] * static_cast<std::size_t>(gz))] = in[v];
      }
  std::ostringstream note;
  note << path << ": " << is[0] << "x" << is[1] << "x" << is[2]
       << " segmentation on the CT's voxel lattice at offset (" << offset[0] << ", " << offset[1]
       << ", " << offset[2] << ") placed exactly on the CT grid";
  if (dropped > 0)
    note << "; " << dropped << " labelled voxels outside the CT dropped";
  notes.push_back(note.str());
  return out;
}

// ---------------------------------------------------------------------------------------------
// The parts of LiverLabels gathered from the sources

struct Part
{
  LabelImage::Pointer image;
  LabelSource source;
  std::size_t lesionCount = 0; ///< lesions only
};

struct Parts
{
  Part liver, lesions, segments, vessels;
  std::vector<std::string> notes;
};

/// Replace `target` by `incoming` when incoming is set, noting what it replaced.
void adopt(Part& target, Part&& incoming, std::vector<std::string>& notes)
{
  if (!incoming.image)
    return;
  if (target.image)
    notes.push_back(incoming.source.role + " from " + incoming.source.path +
                    " replace those from " + target.source.path);
  target = std::move(incoming);
}

Part lesionsFromMask(const LabelImage& mask,
                     const std::string& path,
                     const std::string& format,
                     const std::string& what)
{
  Part part;
  std::size_t count = 0;
  part.image = lesionIdsFromMask(mask, &count);
  part.lesionCount = count;
  part.source = { "lesions",
                  path,
                  format,
                  "26-connected components of " + what + " -> " + std::to_string(count) +
                    " lesions (ids by decreasing size)" };
  return part;
}

/// A Liver-only part from a binary image.
Part liverPart(LabelImage::Pointer mask,
               const std::string& path,
               const std::string& format,
               const std::string& detail)
{
  Part part;
  part.image = std::move(mask);
  part.source = { "liver", path, format, detail };
  return part;
}

/// Fraction of the 6-neighbour faces of label 2 that touch label 1 (versus anything else,
/// outside the image included): near 1 for LiTS tumours inside a liver, near 0 for a separate
/// organ such as dcmqi's spine label.
double tumourInsideFraction(const LabelImage& labels)
{
  const auto size = labels.GetLargestPossibleRegion().GetSize();
  const std::uint16_t* p = labels.GetBufferPointer();
  const std::ptrdiff_t sx = 1, sy = static_cast<std::ptrdiff_t>(size[0]),
                       sz = static_cast<std::ptrdiff_t>(size[0] * size[1]);
  std::uint64_t toLiver = 0, toOther = 0;
  for (std::size_t z = 0, v = 0; z < size[2]; ++z)
    for (std::size_t y = 0; y < size[1]; ++y)
      for (std::size_t x = 0; x < size[0]; ++x, ++v)
      {
        if (p[v] != 2)
          continue;
        const std::array<std::pair<bool, std::ptrdiff_t>, 6> neighbours{ {
          { x > 0, -sx },
          { x + 1 < size[0], sx },
          { y > 0, -sy },
          { y + 1 < size[1], sy },
          { z > 0, -sz },
          { z + 1 < size[2], sz },
        } };
        for (const auto& [inside, step] : neighbours)
        {
          const std::uint16_t n = inside ? p[static_cast<std::ptrdiff_t>(v) + step] : 0;
          if (n == 2)
            continue;
          (n == 1 ? toLiver : toOther) += 1;
        }
      }
  return toLiver + toOther == 0
           ? 0.0
           : static_cast<double>(toLiver) / static_cast<double>(toLiver + toOther);
}

/// One labelled entry of a named map: voxels of `layer` equal to `value` are `name`.
struct NamedLabel
{
  unsigned layer = 0;
  std::uint16_t value = 0;
  std::string name;
  bool nameAutoGenerated = false; ///< Slicer's "Segment_1"-style default names mean nothing
};

struct Wanted
{
  bool liver = false, lesions = false, segments = false, vessels = false;
};

/// The k of a segment named "Lesion k" (k in 1..65535, as slicerSegmentationOf names lesion k);
/// 0 for any other name.
std::uint16_t lesionIdOfName(const std::string& name)
{
  const std::string prefix = "Lesion ";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name[prefix.size()] == '0')
    return 0;
  unsigned long k = 0;
  for (std::size_t i = prefix.size(); i < name.size(); ++i)
  {
    if (!std::isdigit(static_cast<unsigned char>(name[i])) ||
        (k = k * 10 + (name[i] - '0')) > 65535)
      return 0;
  }
  return static_cast<std::uint16_t>(k);
}

/// Lesions from `tumour`, whose voxels hold a tumour label's index k (1.., 0 = none): k becomes
/// lesion `ids[k]` in place; the lesion count is the highest id present.
Part relabelledTumours(LabelImage::Pointer tumour,
                       const std::vector<std::uint16_t>& ids,
                       const std::string& path,
                       const std::string& format,
                       const std::string& detail)
{
  std::uint16_t* t = tumour->GetBufferPointer();
  std::uint16_t highest = 0;
  for (std::size_t v = 0, n = voxelCount(*tumour); v < n; ++v)
  {
    t[v] = ids[t[v]];
    highest = std::max(highest, t[v]);
  }
  Part part;
  part.image = std::move(tumour);
  part.lesionCount = highest;
  part.source = { "lesions", path, format, detail };
  return part;
}

/// For the tumour label indices 1..labelCount of `tumour` (0 = none): the ids 1, 2, ... of the
/// non-empty ones in index order, 0 for the empty ones (index 0 -> 0).
std::vector<std::uint16_t> idsOfNonEmpty(const LabelImage& tumour, std::size_t labelCount)
{
  std::vector<bool> present(labelCount + 1, false);
  const std::uint16_t* t = tumour.GetBufferPointer();
  for (std::size_t v = 0, n = voxelCount(tumour); v < n; ++v)
    present[t[v]] = true;
  std::vector<std::uint16_t> ids(labelCount + 1, 0);
  std::uint16_t next = 0;
  for (std::size_t k = 1; k <= labelCount; ++k)
    if (present[k])
      ids[k] = ++next;
  return ids;
}

/// Interpret a map whose labels have names (Slicer segments, TotalSegmentator's NIfTI names).
/// Labels in one layer exclude each other, so the liver is the union of the liver, Couinaud
/// and tumour labels. One tumour label -> its components are the lesions; several -> one lesion
/// per non-empty tumour label, in the file's order. `required` names the role the file was
/// given for (Role::Unknown: none); its absence is an InputError listing the names. Slicer
/// names (`slicer`) also keep vessels of other kinds and report ignored segments;
/// TotalSegmentator's 117 classes keep only the liver's vessels (IVC, portal, hepatic).
Parts fromNamedLabels(const std::vector<LabelImage::Pointer>& layers,
                      const std::vector<NamedLabel>& labels,
                      const std::string& path,
                      const std::string& format,
                      const Wanted& wanted,
                      Role required,
                      bool slicer)
{
  Parts parts;
  const LabelImage& grid = *layers.front();
  const std::size_t n = voxelCount(grid);
  struct Entry
  {
    NameRole role;
    std::size_t tumourIndex = 0;
  };
  // Per layer: value -> index into `entries` + 1 (0 = nothing).
  std::vector<Entry> entries;
  std::vector<std::vector<std::uint32_t>> lookup(layers.size());
  std::vector<std::string> unknown, liverNames, tumourNames, couinaudNames, vesselNames;
  std::size_t tumours = 0;
  for (const NamedLabel& label : labels)
  {
    if (label.layer >= layers.size())
      throw InputError(path,
                       "segment \"" + label.name + "\" is in layer " + std::to_string(label.layer) +
                         " but the file has " + std::to_string(layers.size()) + " layer(s)");
    NameRole role = classifyName(label.name);
    if (label.nameAutoGenerated ||
        (!slicer && role.role == Role::Vessel && role.vessel == VesselOther))
      role.role = Role::Unknown;
    if (role.role == Role::Unknown)
    {
      unknown.push_back(label.name);
      continue;
    }
    if (lookup[label.layer].empty())
      lookup[label.layer].assign(65536, 0);
    Entry e{ role, role.role == Role::Tumour ? tumours++ : 0 };
    entries.push_back(e);
    lookup[label.layer][label.value] = static_cast<std::uint32_t>(entries.size());
    (role.role == Role::Liver      ? liverNames
     : role.role == Role::Tumour   ? tumourNames
     : role.role == Role::Couinaud ? couinaudNames
                                   : vesselNames)
      .push_back(label.name);
  }
  std::vector<std::string> all;
  for (const NamedLabel& label : labels)
    all.push_back(label.name);
  auto refuse = [&](const std::string& what)
  {
    throw InputError(path,
                     "no " + what + " among its labels (" + joinQuoted(all) +
                       "); recognised names: \"liver\", \"tumor\"/\"tumour\"/\"lesion*\", "
                       "\"segment 1\"..\"segment 8\"/\"Couinaud N\", \"portal vein\", "
                       "\"hepatic vein\", \"IVC\"/\"inferior vena cava\"");
  };
  if (required == Role::Liver && liverNames.empty() && couinaudNames.empty())
    refuse("liver");
  if (required == Role::Tumour && tumourNames.empty())
    refuse("tumour");
  if (required == Role::Couinaud && couinaudNames.empty())
    refuse("Couinaud segment");
  if (slicer && !unknown.empty())
    parts.notes.push_back(path +
                          ": segments ignored (name not recognised): " + joinQuoted(unknown));

  LabelImage::Pointer liver =
    wanted.liver && (!liverNames.empty() || !couinaudNames.empty()) ? blankLike(grid) : nullptr;
  LabelImage::Pointer tumour =
    wanted.lesions && !tumourNames.empty() ? blankLike(grid) : nullptr; // tumour index + 1
  LabelImage::Pointer couinaud =
    wanted.segments && !couinaudNames.empty() ? blankLike(grid) : nullptr;
  LabelImage::Pointer vessels = wanted.vessels && !vesselNames.empty() ? blankLike(grid) : nullptr;
  std::uint64_t tumourAddedToLiver = 0;
  for (std::size_t v = 0; v < n; ++v)
  {
    bool inLiverLabel = false, inOther = false, inTumour = false;
    for (std::size_t l = 0; l < layers.size(); ++l)
    {
      if (lookup[l].empty())
        continue;
      const std::uint32_t index = lookup[l][layers[l]->GetBufferPointer()[v]];
      if (index == 0)
        continue;
      const Entry& e = entries[index - 1];
      switch (e.role.role)
      {
        case Role::Liver:
          inLiverLabel = true;
          break;
        case Role::Couinaud:
          inOther = true;
          if (couinaud)
            couinaud->GetBufferPointer()[v] = static_cast<std::uint16_t>(e.role.couinaud);
          break;
        case Role::Tumour:
          inTumour = true;
          if (tumour)
            tumour->GetBufferPointer()[v] = static_cast<std::uint16_t>(e.tumourIndex + 1);
          break;
        case Role::Vessel:
          if (vessels)
            vessels->GetBufferPointer()[v] =
              std::max<std::uint16_t>(vessels->GetBufferPointer()[v], e.role.vessel);
          break;
        case Role::Unknown:
          break;
      }
    }
    if (liver && (inLiverLabel || inOther || inTumour))
    {
      liver->GetBufferPointer()[v] = 1;
      tumourAddedToLiver += inTumour && !inLiverLabel && !inOther;
    }
  }
  if (liver)
  {
    std::vector<std::string> used = liverNames;
    used.insert(used.end(), couinaudNames.begin(), couinaudNames.end());
    used.insert(used.end(), tumourNames.begin(), tumourNames.end());
    parts.liver = liverPart(
      liver, path, format, (used.size() == 1 ? "label " : "union of ") + joinQuoted(used));
    if (tumourAddedToLiver > 0)
      parts.notes.push_back(path + ": " + std::to_string(tumourAddedToLiver) +
                            " tumour voxels outside the liver label added to the liver (the liver "
                            "includes its lesions)");
  }
  // Tumour segments all named "Lesion k", each k once (LiverPlan's own .seg.nrrd, or a Slicer
  // user's naming): lesion k, so that written and read back the ids stay, gaps included.
  std::vector<std::uint16_t> namedIds{ 0 };
  std::set<std::uint16_t> distinctIds;
  for (const std::string& name : tumourNames)
  {
    namedIds.push_back(lesionIdOfName(name));
    distinctIds.insert(namedIds.back());
  }
  const bool idsNamed =
    !tumourNames.empty() && distinctIds.size() == tumourNames.size() && distinctIds.count(0) == 0;
  if (tumour && idsNamed)
    parts.lesions = relabelledTumours(tumour,
                                      namedIds,
                                      path,
                                      format,
                                      "lesion k from each segment \"Lesion k\" (" +
                                        joinQuoted(tumourNames) + ")");
  else if (tumour && tumourNames.size() == 1)
    parts.lesions = lesionsFromMask(*tumour, path, format, joinQuoted(tumourNames));
  else if (tumour)
  {
    // Several tumour labels: one lesion per non-empty label, renumbered in file order.
    const std::vector<std::uint16_t> ids = idsOfNonEmpty(*tumour, tumourNames.size());
    const std::uint16_t count = *std::max_element(ids.begin(), ids.end());
    parts.lesions = relabelledTumours(tumour,
                                      ids,
                                      path,
                                      format,
                                      "one lesion per tumour segment (" + joinQuoted(tumourNames) +
                                        ") -> " + std::to_string(count) + " lesions");
  }
  if (couinaud)
  {
    parts.segments.image = couinaud;
    parts.segments.source = {
      "segments", path, format, "Couinaud from " + joinQuoted(couinaudNames)
    };
  }
  if (vessels)
  {
    parts.vessels.image = vessels;
    parts.vessels.source = { "vessels", path, format, joinQuoted(vesselNames) };
  }
  return parts;
}

std::vector<NamedLabel> namedLabelsOf(const std::map<std::uint16_t, std::string>& names)
{
  std::vector<NamedLabel> labels;
  for (const auto& [value, name] : names)
    labels.push_back({ 0, value, name });
  return labels;
}

std::vector<NamedLabel> namedLabelsOf(const SlicerSegmentation& seg)
{
  std::vector<NamedLabel> labels;
  for (const SlicerSegment& s : seg.segments)
    labels.push_back({ s.layer, s.labelValue, s.name, s.nameAutoGenerated });
  return labels;
}

/// A loaded label file on the grid, with its label names when it has any.
struct LoadedMap
{
  std::vector<LabelImage::Pointer> layers; ///< one for ordinary maps
  std::vector<NamedLabel> names;           ///< empty when the file names no labels
  bool slicer = false;                     ///< segments named by their author (Slicer, DICOM SEG)
  std::string namedFormat = "slicer";      ///< the source format of a `slicer` map
};

/// The name a DICOM SEG segment is classified by: its label when the label names a role, else
/// the role of its type code, else the code's meaning. Plan segments (remnant/resected/ablation)
/// get a name no role matches, so they are reported as ignored.
std::string dicomSegmentName(const DicomSegSegment& s)
{
  if (s.planSegment)
    return s.label + " (plan segment)";
  if (classifyName(s.label).role != Role::Unknown || (s.codeRole.empty() && !s.label.empty()))
    return s.label.empty() ? s.type.meaning : s.label;
  return s.codeRole.empty() ? s.type.meaning : s.codeRole;
}

LoadedMap loadMap(const std::string& path,
                  LabelFormat format,
                  const itk::ImageBase<3>& grid,
                  bool resample,
                  std::vector<std::string>& notes)
{
  LoadedMap map;
  const bool slicer =
    format == LabelFormat::Slicer ||
    (format == LabelFormat::Auto && (endsWith(lower(path), ".seg.nrrd") || hasSlicerKeys(path)));
  if (format == LabelFormat::DicomSeg ||
      ((format == LabelFormat::Auto || format == LabelFormat::TotalSegmentator) &&
       isDicomSegmentation(path)))
  {
    DicomSegmentation seg = readDicomSegmentation(path);
    map.slicer = true;
    map.namedFormat = "dicom-seg";
    for (const DicomSegSegment& s : seg.segments)
      map.names.push_back({ s.layer, s.value, dicomSegmentName(s) });
    notes.insert(notes.end(), seg.notes.begin(), seg.notes.end());
    for (auto& layer : seg.layers)
      map.layers.push_back(onGrid(layer, grid, path, resample, true, notes));
    return map;
  }
  if (slicer)
  {
    SlicerSegmentation seg = readSlicerSegmentation(path);
    map.slicer = true;
    map.names = namedLabelsOf(seg);
    for (auto& layer : seg.layers)
      map.layers.push_back(onGrid(layer, grid, path, resample, true, notes));
    return map;
  }
  map.layers.push_back(onGrid(loadLabels(path), grid, path, resample, false, notes));
  if (format == LabelFormat::Auto || format == LabelFormat::TotalSegmentator)
    map.names = namedLabelsOf(niftiLabelNames(path));
  return map;
}

/// The liver (and whatever else the map holds) from a map given for the liver. With
/// `requireLiver` false (a --totalseg file while --liver names the liver) the liver may be absent.
Parts liverFromMap(const LoadedMap& map,
                   const std::string& path,
                   LabelFormat format,
                   std::uint16_t liverLabel,
                   bool totalsegFile,
                   bool requireLiver = true)
{
  const LabelImage& labels = *map.layers.front();
  const Wanted all{ true, true, true, true };
  const Role required = requireLiver ? Role::Liver : Role::Unknown;
  if (liverLabel != 0 && !map.slicer)
  {
    const auto present = labelValuesPresent(labels);
    if (present.count(liverLabel) == 0)
      throw InputError(path,
                       "liver label " + std::to_string(liverLabel) +
                         " absent (present: " + joinValues(present) + ")");
    Parts parts;
    parts.liver = liverPart(maskWhere(labels, [&](std::uint16_t v) { return v == liverLabel; }),
                            path,
                            "label",
                            "label " + std::to_string(liverLabel) + " (--liver-label)");
    return parts;
  }
  if (map.slicer)
    return fromNamedLabels(map.layers, map.names, path, map.namedFormat, all, required, true);
  if (!map.names.empty() && format != LabelFormat::Mask && format != LabelFormat::Lits)
    return fromNamedLabels(map.layers, map.names, path, "totalseg", all, required, false);

  const auto present = labelValuesPresent(labels);
  LabelFormat chosen = format;
  Parts parts;
  if (chosen == LabelFormat::Auto)
  {
    if (present.empty())
      throw InputError(path, "empty label map: no voxel has a non-zero label");
    if (present.size() == 1)
      chosen = LabelFormat::Mask;
    else if (present == std::set<std::uint16_t>{ 1, 2 } && tumourInsideFraction(labels) >= 0.5)
    {
      chosen = LabelFormat::Lits;
      parts.notes.push_back(path +
                            ": read as a LiTS/MSD map (label 2 lies inside label 1: 1 liver, "
                            "2 tumour)");
    }
    else
      throw InputError(path,
                       "multi-label map with values " + joinValues(present) +
                         " and no label names: choose the liver with --liver-label N, or the "
                         "convention with --format totalseg (liver 5) or --format lits (1 liver, "
                         "2 tumour)");
  }
  switch (chosen)
  {
    case LabelFormat::Mask:
    {
      if (present.size() > 1)
        parts.notes.push_back(path + ": every non-zero value (" + joinValues(present) +
                              ") taken as liver");
      parts.liver = liverPart(
        maskWhere(labels, [](std::uint16_t v) { return v != 0; }), path, "mask", "non-zero voxels");
      return parts;
    }
    case LabelFormat::Lits:
    {
      for (std::uint16_t v : present)
        if (v > 2)
          throw InputError(
            path, "not a LiTS/MSD map (1 liver, 2 tumour): it has values " + joinValues(present));
      parts.liver = liverPart(maskWhere(labels, [](std::uint16_t v) { return v >= 1; }),
                              path,
                              "lits",
                              "labels 1 and 2 (liver incl. tumour)");
      if (present.count(2))
        parts.lesions = lesionsFromMask(
          *maskWhere(labels, [](std::uint16_t v) { return v == 2; }), path, "lits", "label 2");
      return parts;
    }
    case LabelFormat::TotalSegmentator:
    {
      if (present.count(5) == 0 && requireLiver)
      {
        // A per-structure file (liver.nii.gz) given where a multi-label map was expected.
        if (totalsegFile && present == std::set<std::uint16_t>{ 1 } &&
            lower(fs::path(path).filename().string()).rfind("liver.nii", 0) == 0)
        {
          parts.liver = liverPart(maskWhere(labels, [](std::uint16_t v) { return v != 0; }),
                                  path,
                                  "totalseg",
                                  "per-structure liver mask");
          return parts;
        }
        throw InputError(path,
                         "label 5 (liver) absent from TotalSegmentator map (present: " +
                           joinValues(present) + ")");
      }
      if (present.count(5))
        parts.liver = liverPart(maskWhere(labels, [](std::uint16_t v) { return v == 5; }),
                                path,
                                "totalseg",
                                "label 5 (liver)");
      if (present.count(63) || present.count(64))
      {
        parts.vessels.image = maskWhere(labels, [](std::uint16_t v) { return v == 63 || v == 64; });
        std::uint16_t* out = parts.vessels.image->GetBufferPointer();
        const std::uint16_t* in = labels.GetBufferPointer();
        for (std::size_t i = 0, n = voxelCount(labels); i < n; ++i)
          out[i] = in[i] == 63 ? VesselInferiorVenaCava : in[i] == 64 ? VesselPortalVein : 0;
        parts.vessels.source = {
          "vessels", path, "totalseg", "labels 63 (inferior vena cava), 64 (portal/splenic vein)"
        };
        parts.notes.push_back(path + ": no label names in the file; TotalSegmentator v2 numbering "
                                     "assumed (5 liver, 63 IVC, 64 portal/splenic vein)");
      }
      return parts;
    }
    default:
      break;
  }
  throw std::logic_error("liverFromMap: unhandled format");
}

Parts lesionsFromMap(const LoadedMap& map, const std::string& path, LabelFormat format)
{
  const Wanted lesionsOnly{ false, true, false, false };
  if (map.slicer || !map.names.empty())
    return fromNamedLabels(map.layers,
                           map.names,
                           path,
                           map.slicer ? map.namedFormat : "totalseg",
                           lesionsOnly,
                           Role::Tumour,
                           map.slicer);
  const LabelImage& labels = *map.layers.front();
  const auto present = labelValuesPresent(labels);
  Parts parts;
  if (present.empty())
  {
    parts.notes.push_back(path + ": lesion map is empty (no lesions)");
    return parts;
  }
  const bool lits = format == LabelFormat::Lits ||
                    (format == LabelFormat::Auto && present == std::set<std::uint16_t>{ 1, 2 } &&
                     tumourInsideFraction(labels) >= 0.5);
  if (lits)
  {
    parts.lesions = lesionsFromMask(
      *maskWhere(labels, [](std::uint16_t v) { return v == 2; }), path, "lits", "label 2");
    return parts;
  }
  if (present.size() == 1 || format == LabelFormat::Mask)
  {
    parts.lesions = lesionsFromMask(labels, path, "mask", "non-zero voxels");
    return parts;
  }
  parts.lesions.image = map.layers.front();
  parts.lesions.lesionCount = *present.rbegin();
  parts.lesions.source = { "lesions",
                           path,
                           "id-map",
                           "lesion ids kept as given (" + std::to_string(present.size()) +
                             " ids, highest " + std::to_string(*present.rbegin()) + ")" };
  return parts;
}

Parts segmentsFromMap(const LoadedMap& map, const std::string& path)
{
  const Wanted segmentsOnly{ false, false, true, false };
  if (map.slicer || !map.names.empty())
    return fromNamedLabels(map.layers,
                           map.names,
                           path,
                           map.slicer ? map.namedFormat : "totalseg",
                           segmentsOnly,
                           Role::Couinaud,
                           map.slicer);
  const auto present = labelValuesPresent(*map.layers.front());
  if (present.empty())
    throw InputError(path, "empty Couinaud segment map");
  if (*present.rbegin() > 8)
    throw InputError(path,
                     "Couinaud segment map has values " + joinValues(present) + "; expected 1..8");
  Parts parts;
  parts.segments.image = map.layers.front();
  parts.segments.source = { "segments", path, "couinaud-map", "values " + joinValues(present) };
  return parts;
}

void merge(Parts& into, Parts&& from)
{
  adopt(into.liver, std::move(from.liver), into.notes);
  adopt(into.lesions, std::move(from.lesions), into.notes);
  adopt(into.segments, std::move(from.segments), into.notes);
  adopt(into.vessels, std::move(from.vessels), into.notes);
  into.notes.insert(into.notes.end(), from.notes.begin(), from.notes.end());
}

/// Fill only the parts `into` does not have yet.
void fillMissing(Parts& into, Parts&& from)
{
  for (auto [target, incoming] : { std::pair{ &into.liver, &from.liver },
                                   std::pair{ &into.lesions, &from.lesions },
                                   std::pair{ &into.segments, &from.segments },
                                   std::pair{ &into.vessels, &from.vessels } })
    if (!target->image && incoming->image)
      *target = std::move(*incoming);
  into.notes.insert(into.notes.end(), from.notes.begin(), from.notes.end());
}

// ---------------------------------------------------------------------------------------------
// TotalSegmentator folders

std::string findNifti(const fs::path& dir, const std::string& stem)
{
  for (const char* ext : { ".nii.gz", ".nii" })
  {
    const fs::path p = dir / (stem + ext);
    if (fs::is_regular_file(p))
      return p.string();
  }
  return {};
}

/// A TotalSegmentator output folder: per-structure masks (liver, inferior_vena_cava,
/// portal_vein_and_splenic_vein, liver_vessels, liver_tumor, liver_segment_1..8), a
/// liver_segments / liver_vessels multi-label map, or any multi-label map with label names.
Parts fromTotalSegmentatorFolder(const std::string& dirPath,
                                 const itk::ImageBase<3>& grid,
                                 bool resample)
{
  const fs::path dir(dirPath);
  Parts parts;
  std::vector<std::string> found;
  auto load = [&](const std::string& path)
  { return onGrid(loadLabels(path), grid, path, resample, false, parts.notes); };

  if (const std::string p = findNifti(dir, "liver"); !p.empty())
  {
    parts.liver = liverPart(maskWhere(*load(p), [](std::uint16_t v) { return v != 0; }),
                            p,
                            "totalseg-folder",
                            "per-structure liver mask");
    found.push_back("liver");
  }
  // Vessels, in increasing priority (later overwrite earlier where they overlap).
  LabelImage::Pointer vessels;
  std::vector<std::string> vesselFiles;
  auto addVessel = [&](const LabelImage& mask, std::uint16_t code)
  {
    if (!vessels)
      vessels = blankLike(grid);
    const std::uint16_t* in = mask.GetBufferPointer();
    std::uint16_t* out = vessels->GetBufferPointer();
    for (std::size_t i = 0, n = voxelCount(grid); i < n; ++i)
      if (in[i] != 0)
        out[i] = code;
  };
  if (const std::string p = findNifti(dir, "liver_vessels"); !p.empty())
  {
    const LabelImage::Pointer map = load(p);
    const auto present = labelValuesPresent(*map);
    if (present.count(2))
    {
      // The multi-label liver_vessels output: 1 vessel, 2 tumour.
      addVessel(*maskWhere(*map, [](std::uint16_t v) { return v == 1; }), VesselIntrahepatic);
      parts.lesions = lesionsFromMask(*maskWhere(*map, [](std::uint16_t v) { return v == 2; }),
                                      p,
                                      "totalseg-folder",
                                      "label 2 (liver_tumor)");
    }
    else
      addVessel(*map, VesselIntrahepatic);
    vesselFiles.push_back(fs::path(p).filename().string());
    found.push_back("liver_vessels");
  }
  for (const auto& [stem, code] : { std::pair{ "portal_vein_and_splenic_vein", VesselPortalVein },
                                    std::pair{ "inferior_vena_cava", VesselInferiorVenaCava } })
    if (const std::string p = findNifti(dir, stem); !p.empty())
    {
      addVessel(*load(p), code);
      vesselFiles.push_back(fs::path(p).filename().string());
      found.push_back(stem);
    }
  if (vessels)
  {
    parts.vessels.image = vessels;
    parts.vessels.source = { "vessels", dirPath, "totalseg-folder", joinQuoted(vesselFiles) };
  }
  if (const std::string p = findNifti(dir, "liver_tumor"); !p.empty())
  {
    adopt(
      parts.lesions, lesionsFromMask(*load(p), p, "totalseg-folder", "liver_tumor"), parts.notes);
    found.push_back("liver_tumor");
  }
  LabelImage::Pointer segments;
  std::vector<int> segmentFiles;
  for (int s = 1; s <= 8; ++s)
    if (const std::string p = findNifti(dir, "liver_segment_" + std::to_string(s)); !p.empty())
    {
      const LabelImage::Pointer mask = load(p);
      if (!segments)
        segments = blankLike(grid);
      const std::uint16_t* in = mask->GetBufferPointer();
      std::uint16_t* out = segments->GetBufferPointer();
      for (std::size_t i = 0, n = voxelCount(grid); i < n; ++i)
        if (in[i] != 0)
          out[i] = static_cast<std::uint16_t>(s);
      segmentFiles.push_back(s);
    }
  if (segments)
  {
    std::ostringstream detail;
    detail << "liver_segment_N files for N =";
    for (int s : segmentFiles)
      detail << ' ' << s;
    parts.segments.image = segments;
    parts.segments.source = { "segments", dirPath, "totalseg-folder", detail.str() };
    found.push_back("liver_segment_N");
    if (segmentFiles.size() < 8)
      parts.notes.push_back(dirPath + ": only " + std::to_string(segmentFiles.size()) +
                            " of 8 liver_segment_N files present");
  }
  else if (const std::string p = findNifti(dir, "liver_segments"); !p.empty())
  {
    LoadedMap map;
    map.layers.push_back(load(p));
    map.names = namedLabelsOf(niftiLabelNames(p));
    adopt(parts.segments, std::move(segmentsFromMap(map, p).segments), parts.notes);
    found.push_back("liver_segments");
  }
  // Multi-label maps with label names (TotalSegmentator --ml output kept in the folder).
  if (!parts.liver.image || !parts.segments.image || !parts.lesions.image)
  {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
    {
      const std::string name = lower(entry.path().filename().string());
      if (entry.is_regular_file() && (endsWith(name, ".nii.gz") || endsWith(name, ".nii")))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files)
    {
      const auto names = niftiLabelNames(file.string());
      if (names.empty())
        continue;
      std::vector<NamedLabel> labels = namedLabelsOf(names);
      Wanted wanted;
      bool useful = false;
      for (const NamedLabel& l : labels)
      {
        const Role role = classifyName(l.name).role;
        wanted.liver |= role == Role::Liver && !parts.liver.image;
        wanted.lesions |= role == Role::Tumour && !parts.lesions.image;
        wanted.segments |= role == Role::Couinaud && !parts.segments.image;
        wanted.vessels |= role == Role::Vessel && !parts.vessels.image;
      }
      useful = wanted.liver || wanted.lesions || wanted.segments || wanted.vessels;
      if (!useful)
        continue;
      fillMissing(parts,
                  fromNamedLabels({ load(file.string()) },
                                  labels,
                                  file.string(),
                                  "totalseg",
                                  wanted,
                                  Role::Unknown,
                                  false));
      found.push_back(file.filename().string());
    }
  }
  if (found.empty())
    throw InputError(dirPath,
                     "no TotalSegmentator output found: expected liver.nii.gz, "
                     "inferior_vena_cava.nii.gz, portal_vein_and_splenic_vein.nii.gz, "
                     "liver_vessels.nii.gz, liver_tumor.nii.gz, liver_segment_1..8.nii.gz, or a "
                     "multi-label map with label names");
  parts.notes.push_back(dirPath + ": TotalSegmentator outputs used: " + joinQuoted(found));
  return parts;
}

} // namespace

// -----------------------------------------------------------------------------------------------
// Public API

LabelFormat parseLabelFormat(const std::string& name)
{
  const std::string n = lower(name);
  if (n == "auto")
    return LabelFormat::Auto;
  if (n == "totalseg" || n == "totalsegmentator")
    return LabelFormat::TotalSegmentator;
  if (n == "lits" || n == "msd")
    return LabelFormat::Lits;
  if (n == "slicer")
    return LabelFormat::Slicer;
  if (n == "mask")
    return LabelFormat::Mask;
  if (n == "dicom-seg" || n == "dicomseg" || n == "seg")
    return LabelFormat::DicomSeg;
  throw std::invalid_argument("unknown label format \"" + name +
                              "\" (auto, totalseg, lits, slicer, mask, dicom-seg)");
}

std::string labelFormatName(LabelFormat format)
{
  switch (format)
  {
    case LabelFormat::Auto:
      return "auto";
    case LabelFormat::TotalSegmentator:
      return "totalseg";
    case LabelFormat::Lits:
      return "lits";
    case LabelFormat::Slicer:
      return "slicer";
    case LabelFormat::Mask:
      return "mask";
    case LabelFormat::DicomSeg:
      return "dicom-seg";
  }
  return "auto";
}

LabelImage::Pointer lesionIdsFromMask(const LabelImage& mask, std::size_t* componentCount)
{
  const auto size = mask.GetLargestPossibleRegion().GetSize();
  const std::uint16_t* in = mask.GetBufferPointer();
  LabelImage::Pointer out = blankLike(mask);
  // Work on the bounding box of the mask to bound memory (4 bytes per box voxel).
  std::array<std::size_t, 3> lo{ size[0], size[1], size[2] }, hi{ 0, 0, 0 };
  bool any = false;
  for (std::size_t z = 0, v = 0; z < size[2]; ++z)
    for (std::size_t y = 0; y < size[1]; ++y)
      for (std::size_t x = 0; x < size[0]; ++x, ++v)
        if (in[v] != 0)
        {
          any = true;
          lo = { std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z) };
          hi = { std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z) };
        }
  if (componentCount)
    *componentCount = 0;
  if (!any)
    return out;
  const std::size_t bx = hi[0] - lo[0] + 1, by = hi[1] - lo[1] + 1, bz = hi[2] - lo[2] + 1;
  VoxelGrid box;
  box.size = { static_cast<long>(bx), static_cast<long>(by), static_cast<long>(bz) };
  std::vector<std::uint8_t> inMask(box.count(), 0);
  for (std::size_t z = 0, b = 0; z < bz; ++z)
    for (std::size_t y = 0; y < by; ++y)
      for (std::size_t x = 0; x < bx; ++x, ++b)
        inMask[b] = in[(x + lo[0]) + size[0] * ((y + lo[1]) + size[1] * (z + lo[2]))] != 0;
  // 26-connected components, numbered in the order of their first voxel.
  std::vector<std::int32_t> component;
  const int components = labelComponents(inMask, box, component, Connectivity::Full);
  std::vector<std::size_t> sizes = componentSizes(component, components);
  sizes.erase(sizes.begin()); // sizes[k]: component k + 1
  if (sizes.size() > 65535)
    throw InputError("",
                     "lesion mask has " + std::to_string(sizes.size()) +
                       " connected components; at most 65535 lesion ids fit a label map");
  std::vector<std::uint32_t> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(),
                   order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return sizes[a] > sizes[b]; });
  std::vector<std::uint16_t> id(sizes.size());
  for (std::size_t rank = 0; rank < order.size(); ++rank)
    id[order[rank]] = static_cast<std::uint16_t>(rank + 1);
  std::uint16_t* o = out->GetBufferPointer();
  for (std::size_t z = 0, b = 0; z < bz; ++z)
    for (std::size_t y = 0; y < by; ++y)
      for (std::size_t x = 0; x < bx; ++x, ++b)
        if (component[b] != 0)
          o[(x + lo[0]) + size[0] * ((y + lo[1]) + size[1] * (z + lo[2]))] = id[component[b] - 1];
  if (componentCount)
    *componentCount = sizes.size();
  return out;
}

SlicerSegmentation readSlicerSegmentation(const std::string& path)
{
  itk::ImageIOBase::Pointer io = readImageHeader(path);
  const itk::MetaDataDictionary& dictionary = io->GetMetaDataDictionary();
  SlicerSegmentation seg;
  for (int i = 0;; ++i)
  {
    const std::string prefix = "Segment" + std::to_string(i) + "_";
    SlicerSegment s;
    s.id = metaString(dictionary, prefix + "ID");
    s.name = metaString(dictionary, prefix + "Name");
    if (s.id.empty() && s.name.empty())
      break;
    if (s.name.empty())
      s.name = s.id;
    const std::string value = metaString(dictionary, prefix + "LabelValue");
    const std::string layer = metaString(dictionary, prefix + "Layer");
    const std::string color = metaString(dictionary, prefix + "Color");
    s.nameAutoGenerated = metaString(dictionary, prefix + "NameAutoGenerated") == "1";
    try
    {
      if (!value.empty())
      {
        const long v = std::stol(value);
        if (v < 1 || v > 65535)
          throw std::out_of_range("label value");
        s.labelValue = static_cast<std::uint16_t>(v);
      }
      if (!layer.empty())
        s.layer = static_cast<unsigned>(std::stoul(layer));
    }
    catch (const std::exception&)
    {
      throw InputError(path,
                       prefix + "LabelValue/" + prefix + "Layer not a valid number (\"" + value +
                         "\", \"" + layer + "\")");
    }
    std::istringstream rgb(color);
    rgb >> s.colorRgb[0] >> s.colorRgb[1] >> s.colorRgb[2];
    seg.segments.push_back(s);
  }
  if (seg.segments.empty())
    throw InputError(path, "not a Slicer segmentation: no Segment0_Name key in the NRRD header");
  const unsigned dims = io->GetNumberOfDimensions();
  const unsigned components = io->GetNumberOfComponents();
  if (dims == 3 && components == 1)
    seg.layers.push_back(loadLabels(path));
  else if (dims == 3 && components > 1)
    seg.layers = readLayers(path, *io);
  else
    throw InputError(path,
                     "unsupported segmentation layout: " + std::to_string(dims) + " dimensions, " +
                       std::to_string(components) +
                       " components (expected 3D, or 4D with a leading list axis of layers)");
  for (const SlicerSegment& s : seg.segments)
    if (s.layer >= seg.layers.size())
      throw InputError(path,
                       "segment \"" + s.name + "\" is in layer " + std::to_string(s.layer) +
                         " but the file has " + std::to_string(seg.layers.size()) + " layer(s)");
  return seg;
}

void writeSlicerSegmentation(const LabelImage& labelMap,
                             const std::vector<SlicerSegment>& segments,
                             const std::string& path)
{
  if (segments.empty())
    throw std::invalid_argument("writeSlicerSegmentation: no segments for " + path);
  for (const SlicerSegment& s : segments)
    if (s.layer != 0)
      throw std::invalid_argument("writeSlicerSegmentation: only layer 0 is written (segment \"" +
                                  s.name + "\")");
  auto image = LabelImage::New();
  image->Graft(&labelMap);
  writeSlicerLayers({ segments, { image } }, path);
}

ImportedLabels importLabels(const LabelImportOptions& options, const itk::ImageBase<3>& grid)
{
  if (!(options.lesionOutsideLiverTolerance >= 0.0 && options.lesionOutsideLiverTolerance <= 1.0))
    throw std::invalid_argument("importLabels: lesionOutsideLiverTolerance must be in [0, 1]");
  Parts parts;
  const bool resample = options.resampleLabels;

  if (!options.totalsegPath.empty())
  {
    const std::string& path = options.totalsegPath;
    if (fs::is_directory(path))
      merge(parts, fromTotalSegmentatorFolder(path, grid, resample));
    else if (fs::is_regular_file(path))
    {
      const LabelFormat format =
        options.format == LabelFormat::Auto ? LabelFormat::TotalSegmentator : options.format;
      const LoadedMap map = loadMap(path, format, grid, resample, parts.notes);
      // The map must hold the liver unless --liver names another source.
      const bool requireLiver = options.liverPath.empty();
      merge(parts,
            liverFromMap(map,
                         path,
                         format,
                         requireLiver ? options.liverLabel : std::uint16_t{ 0 },
                         true,
                         requireLiver));
    }
    else
      throw InputError(path, "no such file or folder (--totalseg)");
    if (!parts.liver.image && options.liverPath.empty())
      throw InputError(path,
                       "no liver among the TotalSegmentator outputs (add liver.nii.gz or give "
                       "--liver)");
  }
  if (!options.liverPath.empty())
  {
    const LoadedMap map = loadMap(options.liverPath, options.format, grid, resample, parts.notes);
    merge(parts, liverFromMap(map, options.liverPath, options.format, options.liverLabel, false));
  }
  if (!options.lesionsPath.empty())
  {
    const LoadedMap map = loadMap(options.lesionsPath, options.format, grid, resample, parts.notes);
    Parts lesions = lesionsFromMap(map, options.lesionsPath, options.format);
    if (!lesions.lesions.image && parts.lesions.image)
    {
      parts.notes.push_back(options.lesionsPath + ": empty, replaces the lesions from " +
                            parts.lesions.source.path);
      parts.lesions = Part{};
    }
    merge(parts, std::move(lesions));
  }
  if (!options.segmentsPath.empty())
  {
    const LoadedMap map =
      loadMap(options.segmentsPath, options.format, grid, resample, parts.notes);
    merge(parts, segmentsFromMap(map, options.segmentsPath));
  }

  ImportedLabels result;
  result.notes = std::move(parts.notes);
  const std::size_t n = voxelCount(grid);
  const std::uint16_t* liver = nullptr;
  std::uint64_t liverVoxels = 0;
  if (parts.liver.image)
  {
    liverVoxels = countNonZero(*parts.liver.image);
    if (liverVoxels == 0)
      throw InputError(parts.liver.source.path,
                       "empty liver mask: no liver voxel (" + parts.liver.source.detail + ")");
    liver = parts.liver.image->GetBufferPointer();
    result.labels.liver = parts.liver.image;
    result.sources.push_back(parts.liver.source);
  }
  if (parts.lesions.image)
  {
    const std::uint16_t* lesions = parts.lesions.image->GetBufferPointer();
    std::uint64_t lesionVoxels = 0, outside = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (lesions[i] != 0)
      {
        ++lesionVoxels;
        outside += liver != nullptr && liver[i] == 0;
      }
    if (lesionVoxels == 0)
      result.notes.push_back(parts.lesions.source.path + ": no lesion voxels (no lesions)");
    else
    {
      result.labels.lesions = parts.lesions.image;
      result.lesionCount = parts.lesions.lesionCount;
      result.sources.push_back(parts.lesions.source);
      if (static_cast<double>(outside) >
          options.lesionOutsideLiverTolerance * static_cast<double>(lesionVoxels))
        result.notes.push_back("warning: " + std::to_string(outside) + " of " +
                               std::to_string(lesionVoxels) + " lesion voxels (" +
                               percent(outside, lesionVoxels) + ") lie outside the liver (" +
                               parts.lesions.source.path + " vs " + parts.liver.source.path + ")");
    }
  }
  if (parts.segments.image)
  {
    result.labels.segments = parts.segments.image;
    result.sources.push_back(parts.segments.source);
    if (liver != nullptr)
    {
      const std::uint16_t* s = parts.segments.image->GetBufferPointer();
      std::uint64_t outside = 0, unassigned = 0, segmentVoxels = 0;
      for (std::size_t i = 0; i < n; ++i)
      {
        segmentVoxels += s[i] != 0;
        outside += s[i] != 0 && liver[i] == 0;
        unassigned += s[i] == 0 && liver[i] != 0;
      }
      if (outside > 0)
        result.notes.push_back("warning: " + std::to_string(outside) + " of " +
                               std::to_string(segmentVoxels) + " Couinaud voxels (" +
                               percent(outside, segmentVoxels) + ") lie outside the liver");
      if (unassigned > 0)
        result.notes.push_back(std::to_string(unassigned) + " of " + std::to_string(liverVoxels) +
                               " liver voxels (" + percent(unassigned, liverVoxels) +
                               ") have no Couinaud segment");
    }
  }
  if (parts.vessels.image)
  {
    result.labels.vessels = parts.vessels.image;
    result.sources.push_back(parts.vessels.source);
  }
  return result;
}

} // namespace liver
