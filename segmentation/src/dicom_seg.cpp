/// Reading DICOM Segmentation objects (BINARY/FRACTIONAL; native, RLE, JPEG 2000) into label
/// layers on the SEG's own grid, with DCMTK's dcmdata as the parser and our own frame decoding.

#include <liver/segmentation/dicom_seg.h>

#include <liver/imaging/errors.h>

#include <dcmtk/config/osconfig.h> // must come first of DCMTK's headers

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

// Explicit folder: ITK ships an older, symbol-mangled openjpeg.h on its include path.
#include <openjpeg-2.5/openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace liver
{
namespace
{

constexpr std::uint64_t MaxVoxels = std::uint64_t{ 1 } << 30;

std::string str(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0)
{
  OFString value;
  if (item.findAndGetOFString(tag, value, pos).bad())
    return {};
  return std::string(value.c_str());
}

CodedConcept codeOf(DcmItem& parent, const DcmTagKey& sequence)
{
  DcmItem* item = nullptr;
  if (parent.findAndGetSequenceItem(sequence, item, 0).bad() || item == nullptr)
    return {};
  return { str(*item, DCM_CodeValue),
           str(*item, DCM_CodingSchemeDesignator),
           str(*item, DCM_CodeMeaning) };
}

/// Item `index` of `sequence` in `parent`, or null.
DcmItem* itemOf(DcmItem* parent, const DcmTagKey& sequence, long index = 0)
{
  DcmItem* item = nullptr;
  if (parent == nullptr || parent->findAndGetSequenceItem(sequence, item, index).bad())
    return nullptr;
  return item;
}

/// A functional-group attribute: the frame's own group first, else the shared one.
DcmItem* groupItem(DcmItem* perFrame, DcmItem* shared, const DcmTagKey& group)
{
  if (DcmItem* item = itemOf(perFrame, group))
    return item;
  return itemOf(shared, group);
}

std::vector<double> numbers(DcmItem* item, const DcmTagKey& tag, std::size_t count)
{
  std::vector<double> out;
  if (item == nullptr)
    return out;
  for (std::size_t i = 0; i < count; ++i)
  {
    Float64 v = 0;
    if (item->findAndGetFloat64(tag, v, static_cast<unsigned long>(i)).bad() || !std::isfinite(v))
      return {};
    out.push_back(v);
  }
  return out;
}

/// What a known SEG type code means in the label import's words; "" for other codes.
std::string roleOfCode(const CodedConcept& type)
{
  static const std::map<std::string, std::string> sct = {
    { "10200004", "liver" },
    { "108369006", "tumour" }, // Neoplasm
    { "86049000", "tumour" },  // Malignant neoplasm, primary
    { "14799000", "tumour" },  // Neoplasm, metastatic
    { "52988006", "tumour" },  // Lesion
    { "4147007", "tumour" },   // Mass
    { "32764006", "portal vein" },
    { "8993003", "hepatic vein" },
    { "64131007", "inferior vena cava" },
    { "71133005", "segment 1" },
    { "277956007", "segment 2" },
    { "277957003", "segment 3" },
    { "277958008", "segment 4" },
    { "277959000", "segment 5" },
    { "277960005", "segment 6" },
    { "277961009", "segment 7" },
    { "277962002", "segment 8" },
  };
  static const std::map<std::string, std::string> srt = {
    { "T-62000", "liver" },
    { "M-80003", "tumour" },
    { "M-80006", "tumour" },
    { "M-01000", "tumour" },
    { "T-48810", "portal vein" },
    { "T-48720", "hepatic vein" },
    { "T-48710", "inferior vena cava" },
    { "T-62023", "segment 1" },
    { "T-D054F", "segment 2" },
    { "T-D0567", "segment 3" },
    { "T-D056A", "segment 4" },
    { "T-D056B", "segment 5" },
    { "T-D056C", "segment 6" },
  };
  const auto& table = type.scheme == "SCT" ? sct : type.scheme == "SRT" ? srt : sct;
  if (type.scheme != "SCT" && type.scheme != "SRT")
    return {};
  const auto it = table.find(type.value);
  return it == table.end() ? std::string() : it->second;
}

bool isPlanLabel(const std::string& label)
{
  std::string l = label;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  return l.find("remnant") != std::string::npos || l.find("resected") != std::string::npos ||
         l.find("ablation") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Frame decoding: every decoder returns one byte per pixel (0/1 for BINARY, 0..max FRACTIONAL).

/// Packed bits (first pixel in the least significant bit) starting at bit `firstBit`, as 0/1.
/// Whole bytes at a time when the frame starts on a byte (every frame whose pixel count is a
/// multiple of 8), zero bytes skipped: a 512x512 frame is 32768 bytes, not 262144 bit tests.
std::vector<std::uint8_t> unpackBitsLsb(const std::uint8_t* bytes,
                                        std::uint64_t firstBit,
                                        std::size_t pixels)
{
  std::vector<std::uint8_t> out(pixels);
  std::size_t p = 0;
  if (firstBit % 8 == 0)
  {
    const std::uint8_t* in = bytes + firstBit / 8;
    for (; p + 8 <= pixels; p += 8)
      if (const std::uint8_t byte = in[p / 8]; byte != 0)
        for (int k = 0; k < 8; ++k)
          out[p + k] = static_cast<std::uint8_t>((byte >> k) & 1);
  }
  for (; p < pixels; ++p)
  {
    const std::uint64_t bit = firstBit + p;
    out[p] = static_cast<std::uint8_t>((bytes[bit >> 3] >> (bit & 7)) & 1);
  }
  return out;
}

/// `visit(p)` for every p where `frame[p]` is 1, in order, while it returns true (memchr finds the
/// next one); false when a visit did.
template<typename Visit>
bool forEachSet(const std::vector<std::uint8_t>& frame, Visit&& visit)
{
  const std::uint8_t* begin = frame.data();
  const std::uint8_t* end = begin + frame.size();
  for (const std::uint8_t* p = begin; p != end; ++p)
  {
    p = static_cast<const std::uint8_t*>(std::memchr(p, 1, static_cast<std::size_t>(end - p)));
    if (p == nullptr)
      break;
    if (!visit(static_cast<std::size_t>(p - begin)))
      return false;
  }
  return true;
}

/// One RLE frame (PackBits, DICOM PS3.5 G.3.1): one segment, a byte per pixel or packed 1-bit
/// pixels.
std::vector<std::uint8_t> decodeRle(const std::uint8_t* data,
                                    std::size_t size,
                                    std::size_t pixels,
                                    const std::string& path)
{
  if (size < 64)
    throw InputError(path, "PixelData: RLE frame shorter than its 64-byte header");
  auto u32 = [&](std::size_t at)
  {
    return static_cast<std::uint32_t>(data[at]) | static_cast<std::uint32_t>(data[at + 1]) << 8 |
           static_cast<std::uint32_t>(data[at + 2]) << 16 |
           static_cast<std::uint32_t>(data[at + 3]) << 24;
  };
  const std::uint32_t segments = u32(0);
  if (segments != 1)
    throw InputError(path,
                     "PixelData: RLE frame with " + std::to_string(segments) +
                       " segments; a SEG frame has one");
  const std::uint32_t start = u32(4);
  if (start < 64 || start >= size)
    throw InputError(
      path, "PixelData: RLE segment offset " + std::to_string(start) + " outside the frame");
  // 1-bit frames are stored packed (ceil(pixels/8) bytes); 8-bit frames one byte a pixel. Decode
  // what the segment holds, up to a byte per pixel.
  std::vector<std::uint8_t> decoded;
  {
    std::vector<std::uint8_t> out;
    const std::uint8_t* in = data + start;
    const std::size_t n = size - start;
    std::size_t i = 0;
    while (i < n && out.size() < pixels)
    {
      const auto c = static_cast<std::int8_t>(in[i++]);
      if (c >= 0)
      {
        const std::size_t count = static_cast<std::size_t>(c) + 1;
        if (i + count > n)
        {
          // Trailing padding after a complete packed 1-bit frame; anything else is truncated.
          if (out.size() >= (pixels + 7) / 8)
            break;
          throw InputError(path, "PixelData: RLE literal run past the end of its segment");
        }
        out.insert(out.end(), in + i, in + i + count);
        i += count;
      }
      else if (c != -128)
      {
        if (i >= n)
          throw InputError(path, "PixelData: RLE replicate run past the end of its segment");
        out.insert(out.end(), static_cast<std::size_t>(1 - c), in[i++]);
      }
    }
    decoded = std::move(out);
  }
  if (decoded.size() >= pixels)
  {
    decoded.resize(pixels);
    return decoded;
  }
  if (decoded.size() >= (pixels + 7) / 8 && decoded.size() <= (pixels + 7) / 8 + 2)
    return unpackBitsLsb(decoded.data(), 0, pixels);
  throw InputError(path,
                   "PixelData: RLE segment decodes to " + std::to_string(decoded.size()) +
                     " bytes, the frame needs " + std::to_string((pixels + 7) / 8));
}

struct J2kBuffer
{
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
};

std::vector<std::uint8_t> decodeJ2k(const std::uint8_t* data,
                                    std::size_t size,
                                    std::size_t rows,
                                    std::size_t columns,
                                    const std::string& path)
{
  J2kBuffer buffer{ data, size };
  const bool jp2 = size >= 12 && data[4] == 'j' && data[5] == 'P';
  opj_codec_t* codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
  opj_stream_t* stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
  opj_image_t* image = nullptr;
  auto cleanup = [&]
  {
    if (image)
      opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
  };
  opj_stream_set_user_data(stream, &buffer, nullptr);
  opj_stream_set_user_data_length(stream, size);
  opj_stream_set_read_function(stream,
                               [](void* out, OPJ_SIZE_T n, void* user) -> OPJ_SIZE_T
                               {
                                 auto* b = static_cast<J2kBuffer*>(user);
                                 if (b->at >= b->size)
                                   return static_cast<OPJ_SIZE_T>(-1);
                                 const std::size_t k = std::min(n, b->size - b->at);
                                 std::memcpy(out, b->data + b->at, k);
                                 b->at += k;
                                 return k;
                               });
  opj_stream_set_skip_function(stream,
                               [](OPJ_OFF_T n, void* user) -> OPJ_OFF_T
                               {
                                 auto* b = static_cast<J2kBuffer*>(user);
                                 if (n < 0 || b->at + static_cast<std::size_t>(n) > b->size)
                                   return -1;
                                 b->at += static_cast<std::size_t>(n);
                                 return n;
                               });
  opj_stream_set_seek_function(stream,
                               [](OPJ_OFF_T n, void* user) -> OPJ_BOOL
                               {
                                 auto* b = static_cast<J2kBuffer*>(user);
                                 if (n < 0 || static_cast<std::size_t>(n) > b->size)
                                   return OPJ_FALSE;
                                 b->at = static_cast<std::size_t>(n);
                                 return OPJ_TRUE;
                               });
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  opj_set_error_handler(
    codec, [](const char*, void*) {}, nullptr);
  opj_set_warning_handler(
    codec, [](const char*, void*) {}, nullptr);
  const bool ok = opj_setup_decoder(codec, &parameters) && opj_read_header(stream, codec, &image) &&
                  image != nullptr && image->numcomps == 1 && image->comps[0].w == columns &&
                  image->comps[0].h == rows && opj_decode(codec, stream, image) &&
                  opj_end_decompress(codec, stream);
  if (!ok || image->comps[0].data == nullptr)
  {
    cleanup();
    throw InputError(path,
                     "PixelData: JPEG 2000 frame could not be decoded as one " +
                       std::to_string(columns) + "x" + std::to_string(rows) + " component");
  }
  std::vector<std::uint8_t> out(rows * columns);
  for (std::size_t p = 0; p < out.size(); ++p)
  {
    const OPJ_INT32 v = image->comps[0].data[p];
    out[p] = static_cast<std::uint8_t>(std::clamp<OPJ_INT32>(v, 0, 255));
  }
  cleanup();
  return out;
}

/// The compressed bytes of each frame: one fragment per frame, or fragments split by the Basic
/// Offset Table.
std::vector<std::vector<std::uint8_t>> encapsulatedFrames(DcmPixelSequence& sequence,
                                                          std::size_t frames,
                                                          const std::string& path)
{
  const unsigned long items = sequence.card();
  if (items < 2)
    throw InputError(path, "PixelData: encapsulated pixel data without fragments");
  std::vector<std::vector<std::uint8_t>> fragments;
  for (unsigned long i = 1; i < items; ++i)
  {
    DcmPixelItem* item = nullptr;
    Uint8* bytes = nullptr;
    if (sequence.getItem(item, i).bad() || item == nullptr || item->getUint8Array(bytes).bad())
      throw InputError(path, "PixelData: fragment " + std::to_string(i) + " unreadable");
    const Uint32 length = item->getLength();
    fragments.emplace_back(bytes, bytes + (bytes ? length : 0));
  }
  if (fragments.size() == frames)
    return fragments;
  // Several fragments per frame: the offset table says where each frame starts.
  DcmPixelItem* table = nullptr;
  Uint8* tableBytes = nullptr;
  if (sequence.getItem(table, 0).bad() || table == nullptr || table->getLength() != 4 * frames ||
      table->getUint8Array(tableBytes).bad() || tableBytes == nullptr)
    throw InputError(path,
                     "PixelData: " + std::to_string(fragments.size()) + " fragments for " +
                       std::to_string(frames) + " frames and no usable Basic Offset Table");
  std::vector<std::vector<std::uint8_t>> out(frames);
  std::size_t offset = 0, frame = 0;
  std::vector<std::uint32_t> starts(frames);
  for (std::size_t f = 0; f < frames; ++f)
    std::memcpy(&starts[f], tableBytes + 4 * f, 4); // little endian (encapsulated syntaxes are)
  for (const auto& fragment : fragments)
  {
    while (frame + 1 < frames && offset >= starts[frame + 1])
      ++frame;
    out[frame].insert(out[frame].end(), fragment.begin(), fragment.end());
    offset += fragment.size() + 8; // item header
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Geometry

struct FrameInfo
{
  std::uint16_t segment = 0;
  std::array<double, 3> position{};
  double along = 0; ///< position . normal
};

struct Stack
{
  std::array<double, 3> row{}, column{}, normal{};
  double spacingX = 0, spacingY = 0, spacingZ = 0;
  std::array<double, 3> origin{};
  std::size_t slices = 0;
};

double dot(const std::array<double, 3>& a, const std::array<double, 3>& b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

} // namespace

namespace codes
{
CodedConcept anatomicalStructure()
{
  return { "123037004", "SCT", "Anatomical Structure" };
}
CodedConcept morphologicallyAbnormal()
{
  return { "49755003", "SCT", "Morphologically Altered Structure" };
}
CodedConcept liver()
{
  return { "10200004", "SCT", "Liver" };
}
CodedConcept neoplasm()
{
  return { "108369006", "SCT", "Neoplasm" };
}
CodedConcept couinaudSegment(int segment)
{
  static const char* values[] = { "71133005",  "277956007", "277957003", "277958008",
                                  "277959000", "277960005", "277961009", "277962002" };
  static const char* roman[] = { "I", "II", "III", "IV", "V", "VI", "VII", "VIII" };
  if (segment < 1 || segment > 8)
    throw std::invalid_argument("codes::couinaudSegment: segment " + std::to_string(segment) +
                                " outside 1..8");
  return { values[segment - 1],
           "SCT",
           std::string("Couinaud hepatic segment ") + roman[segment - 1] };
}
} // namespace codes

bool isDicomSegmentation(const std::string& path)
{
  char magic[132] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic, sizeof magic) || std::memcmp(magic + 128, "DICM", 4) != 0)
    return false;
  // The meta header alone: a SEG truncated in its pixel data is still a SEG (and then refused
  // by readDicomSegmentation with the reason), never handed to another reader.
  DcmFileFormat file;
  if (file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_metaOnly).bad())
    return false;
  OFString sopClass;
  if (file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass).bad())
    return false;
  return sopClass == UID_SegmentationStorage;
}

DicomSegmentation readDicomSegmentation(const std::string& path)
{
  DcmFileFormat file;
  if (const OFCondition status = file.loadFile(path.c_str()); status.bad())
    throw InputError(path, std::string("not a readable DICOM file (") + status.text() + ")");
  DcmDataset& ds = *file.getDataset();
  const std::string sopClass = str(ds, DCM_SOPClassUID);
  if (sopClass != UID_SegmentationStorage)
    throw InputError(path,
                     "SOPClassUID (0008,0016) is \"" + sopClass + "\", not Segmentation Storage (" +
                       UID_SegmentationStorage + ")");
  DicomSegmentation seg;
  seg.segmentationType = str(ds, DCM_SegmentationType);
  seg.frameOfReferenceUid = str(ds, DCM_FrameOfReferenceUID);
  if (DcmItem* series = itemOf(&ds, DCM_ReferencedSeriesSequence))
    seg.referencedSeriesUid = str(*series, DCM_SeriesInstanceUID);
  const E_TransferSyntax xfer = ds.getOriginalXfer();
  seg.transferSyntax = DcmXfer(xfer).getXferID();

  Uint16 rows = 0, columns = 0, bitsAllocated = 0;
  ds.findAndGetUint16(DCM_Rows, rows);
  ds.findAndGetUint16(DCM_Columns, columns);
  ds.findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
  Sint32 frames = 0;
  ds.findAndGetSint32(DCM_NumberOfFrames, frames);
  if (rows == 0 || columns == 0)
    throw InputError(path, "Rows/Columns (0028,0010/0011) missing or 0");
  if (frames <= 0)
    throw InputError(path, "NumberOfFrames (0028,0008) missing or not positive");
  const std::size_t pixels = std::size_t{ rows } * columns;
  if (static_cast<std::uint64_t>(pixels) * static_cast<std::uint64_t>(frames) > MaxVoxels)
    throw InputError(path, "Rows x Columns x NumberOfFrames over 2^30");
  double fractionalThreshold = 0.5;
  if (seg.segmentationType == "BINARY")
  {
    if (bitsAllocated != 1)
      throw InputError(path,
                       "BitsAllocated (0028,0100) is " + std::to_string(bitsAllocated) +
                         "; a BINARY segmentation has 1");
  }
  else if (seg.segmentationType == "FRACTIONAL")
  {
    Uint16 maximum = 0;
    ds.findAndGetUint16(DCM_MaximumFractionalValue, maximum);
    if (bitsAllocated != 8 || maximum == 0)
      throw InputError(path,
                       "FRACTIONAL segmentation needs BitsAllocated 8 and a positive "
                       "MaximumFractionalValue (0062,000E)");
    fractionalThreshold = maximum / 2.0;
    seg.notes.push_back(path +
                        ": FRACTIONAL segmentation: a voxel is in a segment when its "
                        "value is at least half of MaximumFractionalValue (" +
                        std::to_string(maximum) + ")");
  }
  else
    throw InputError(path,
                     "SegmentationType (0062,0001) \"" + seg.segmentationType +
                       "\" not supported (BINARY or FRACTIONAL)");

  // Segments
  std::map<std::uint16_t, std::size_t> segmentIndex;
  for (long i = 0;; ++i)
  {
    DcmItem* item = itemOf(&ds, DCM_SegmentSequence, i);
    if (item == nullptr)
      break;
    DicomSegSegment s;
    Uint16 number = 0;
    if (item->findAndGetUint16(DCM_SegmentNumber, number).bad() || number == 0)
      throw InputError(path,
                       "SegmentSequence item " + std::to_string(i + 1) +
                         ": SegmentNumber (0062,0004) missing or 0");
    if (segmentIndex.count(number))
      throw InputError(path,
                       "SegmentSequence: SegmentNumber " + std::to_string(number) + " given twice");
    s.number = number;
    s.value = number;
    s.label = str(*item, DCM_SegmentLabel);
    s.category = codeOf(*item, DCM_SegmentedPropertyCategoryCodeSequence);
    s.type = codeOf(*item, DCM_SegmentedPropertyTypeCodeSequence);
    s.codeRole = roleOfCode(s.type);
    s.planSegment = isPlanLabel(s.label);
    segmentIndex[number] = seg.segments.size();
    seg.segments.push_back(s);
  }
  if (seg.segments.empty())
    throw InputError(path, "SegmentSequence (0062,0002) missing or empty");

  // Frames: segment and position
  DcmItem* shared = itemOf(&ds, DCM_SharedFunctionalGroupsSequence);
  std::vector<FrameInfo> info(static_cast<std::size_t>(frames));
  std::vector<double> orientation, spacing;
  double betweenSlices = 0, thickness = 0;
  for (long f = 0; f < frames; ++f)
  {
    DcmItem* perFrame = itemOf(&ds, DCM_PerFrameFunctionalGroupsSequence, f);
    const std::string where = "frame " + std::to_string(f + 1) + ": ";
    if (perFrame == nullptr)
      throw InputError(path, where + "PerFrameFunctionalGroupsSequence (5200,9230) item missing");
    DcmItem* identification = groupItem(perFrame, shared, DCM_SegmentIdentificationSequence);
    Uint16 number = 0;
    if (identification == nullptr ||
        identification->findAndGetUint16(DCM_ReferencedSegmentNumber, number).bad())
      throw InputError(path, where + "ReferencedSegmentNumber (0062,000B) missing");
    if (!segmentIndex.count(number))
      throw InputError(path,
                       where + "ReferencedSegmentNumber " + std::to_string(number) +
                         " names no segment of SegmentSequence");
    info[f].segment = number;
    const std::vector<double> position =
      numbers(groupItem(perFrame, shared, DCM_PlanePositionSequence), DCM_ImagePositionPatient, 3);
    if (position.size() != 3)
      throw InputError(path, where + "ImagePositionPatient (0020,0032) missing or not numeric");
    std::copy(position.begin(), position.end(), info[f].position.begin());
    const std::vector<double> o = numbers(
      groupItem(perFrame, shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient, 6);
    DcmItem* measures = groupItem(perFrame, shared, DCM_PixelMeasuresSequence);
    const std::vector<double> s = numbers(measures, DCM_PixelSpacing, 2);
    if (o.size() != 6)
      throw InputError(path, where + "ImageOrientationPatient (0020,0037) missing or not numeric");
    if (s.size() != 2 || !(s[0] > 0) || !(s[1] > 0))
      throw InputError(path, where + "PixelSpacing (0028,0030) missing or not positive");
    if (f == 0)
    {
      orientation = o;
      spacing = s;
      Float64 v = 0;
      if (measures && measures->findAndGetFloat64(DCM_SpacingBetweenSlices, v).good() && v > 0)
        betweenSlices = v;
      if (measures && measures->findAndGetFloat64(DCM_SliceThickness, v).good() && v > 0)
        thickness = v;
    }
    else
    {
      for (int k = 0; k < 6; ++k)
        if (std::abs(o[k] - orientation[k]) > 1e-4)
          throw InputError(path, where + "ImageOrientationPatient differs from frame 1's");
      for (int k = 0; k < 2; ++k)
        if (std::abs(s[k] - spacing[k]) > 1e-4 * spacing[k])
          throw InputError(path, where + "PixelSpacing differs from frame 1's");
    }
  }

  Stack stack;
  stack.row = { orientation[0], orientation[1], orientation[2] };
  stack.column = { orientation[3], orientation[4], orientation[5] };
  stack.normal = { stack.row[1] * stack.column[2] - stack.row[2] * stack.column[1],
                   stack.row[2] * stack.column[0] - stack.row[0] * stack.column[2],
                   stack.row[0] * stack.column[1] - stack.row[1] * stack.column[0] };
  const double normalLength = std::sqrt(dot(stack.normal, stack.normal));
  if (std::abs(std::sqrt(dot(stack.row, stack.row)) - 1) > 1e-3 ||
      std::abs(std::sqrt(dot(stack.column, stack.column)) - 1) > 1e-3 ||
      std::abs(dot(stack.row, stack.column)) > 1e-3 || normalLength < 0.5)
    throw InputError(path, "ImageOrientationPatient (0020,0037) is not two orthonormal vectors");
  stack.spacingX = spacing[1]; // PixelSpacing = row spacing (y) \ column spacing (x)
  stack.spacingY = spacing[0];
  for (FrameInfo& f : info)
    f.along = dot(f.position, stack.normal);
  const auto lowest =
    std::min_element(info.begin(),
                     info.end(),
                     [](const FrameInfo& a, const FrameInfo& b) { return a.along < b.along; });
  const auto highest =
    std::max_element(info.begin(),
                     info.end(),
                     [](const FrameInfo& a, const FrameInfo& b) { return a.along < b.along; });
  stack.origin = lowest->position;
  const double inPlaneTolerance = 0.05 * std::min(stack.spacingX, stack.spacingY);
  for (std::size_t f = 0; f < info.size(); ++f)
  {
    std::array<double, 3> d{};
    for (int k = 0; k < 3; ++k)
      d[k] = info[f].position[k] - stack.origin[k];
    if (std::abs(dot(d, stack.row)) > inPlaneTolerance ||
        std::abs(dot(d, stack.column)) > inPlaneTolerance)
      throw InputError(path,
                       "frame " + std::to_string(f + 1) +
                         ": ImagePositionPatient is not on frame 1's stack (shifted in "
                         "plane)");
  }
  std::vector<double> distinct;
  for (const FrameInfo& f : info)
    distinct.push_back(f.along);
  std::sort(distinct.begin(), distinct.end());
  double step = betweenSlices;
  if (step <= 0)
  {
    for (std::size_t i = 1; i < distinct.size(); ++i)
      if (distinct[i] - distinct[i - 1] > 1e-3 &&
          (step <= 0 || distinct[i] - distinct[i - 1] < step))
        step = distinct[i] - distinct[i - 1];
    if (step <= 0)
      step = thickness > 0 ? thickness : 1.0;
  }
  stack.spacingZ = step;
  const double extent = (highest->along - lowest->along) / step;
  if (extent > 16384)
    throw InputError(path, "frames span more than 16384 slices of " + std::to_string(step) + " mm");
  stack.slices = static_cast<std::size_t>(std::lround(extent)) + 1;
  if (static_cast<std::uint64_t>(pixels) * stack.slices > MaxVoxels)
    throw InputError(path, "the frames' stack holds more than 2^30 voxels");
  std::vector<std::size_t> sliceOf(info.size());
  for (std::size_t f = 0; f < info.size(); ++f)
  {
    const double k = (info[f].along - lowest->along) / step;
    if (std::abs(k - std::round(k)) > 0.05)
      throw InputError(path,
                       "frame " + std::to_string(f + 1) +
                         ": position is not a whole number of slice steps (" +
                         std::to_string(step) + " mm) from the lowest frame");
    sliceOf[f] = static_cast<std::size_t>(std::lround(k));
  }

  // Pixel data, frame by frame
  DcmElement* pixelElement = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, pixelElement).bad() || pixelElement == nullptr)
    throw InputError(path, "PixelData (7FE0,0010) missing");
  auto* pixelData = dynamic_cast<DcmPixelData*>(pixelElement);
  const DcmXfer xferInfo(xfer);
  std::vector<std::vector<std::uint8_t>> decoded(info.size());
  if (xferInfo.isEncapsulated())
  {
    DcmPixelSequence* sequence = nullptr;
    if (pixelData == nullptr ||
        pixelData->getEncapsulatedRepresentation(xfer, nullptr, sequence).bad() ||
        sequence == nullptr)
      throw InputError(path, "PixelData: encapsulated pixel data unreadable");
    const auto compressed = encapsulatedFrames(*sequence, info.size(), path);
    const bool rle = xfer == EXS_RLELossless;
    const bool j2k = xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;
    if (!rle && !j2k)
      throw InputError(path,
                       std::string("transfer syntax ") + xferInfo.getXferName() +
                         " not supported for a SEG (native, RLE Lossless or JPEG 2000)");
    for (std::size_t f = 0; f < info.size(); ++f)
      decoded[f] = rle ? decodeRle(compressed[f].data(), compressed[f].size(), pixels, path)
                       : decodeJ2k(compressed[f].data(), compressed[f].size(), rows, columns, path);
  }
  else
  {
    Uint8* bytes = nullptr;
    if (pixelElement->getUint8Array(bytes).bad() || bytes == nullptr)
      throw InputError(path, "PixelData (7FE0,0010) unreadable");
    const std::uint64_t length = pixelElement->getLength();
    const std::uint64_t needed = bitsAllocated == 1
                                   ? (static_cast<std::uint64_t>(pixels) * info.size() + 7) / 8
                                   : static_cast<std::uint64_t>(pixels) * info.size();
    if (length < needed)
      throw InputError(path,
                       "PixelData (7FE0,0010) truncated: " + std::to_string(length) + " bytes, " +
                         std::to_string(needed) + " needed");
    for (std::size_t f = 0; f < info.size(); ++f)
      decoded[f] = bitsAllocated == 1
                     ? unpackBitsLsb(bytes, static_cast<std::uint64_t>(f) * pixels, pixels)
                     : std::vector<std::uint8_t>(bytes + f * pixels, bytes + (f + 1) * pixels);
  }

  // Segments into layers: a segment goes to the first layer none of its voxels is taken in.
  LabelImage::RegionType region;
  region.SetSize({ { columns, rows, stack.slices } });
  LabelImage::SpacingType imageSpacing;
  imageSpacing[0] = stack.spacingX;
  imageSpacing[1] = stack.spacingY;
  imageSpacing[2] = stack.spacingZ;
  LabelImage::PointType origin;
  LabelImage::DirectionType direction;
  for (int k = 0; k < 3; ++k)
  {
    origin[k] = stack.origin[k];
    direction[k][0] = stack.row[k];
    direction[k][1] = stack.column[k];
    direction[k][2] = stack.normal[k] / normalLength;
  }
  auto newLayer = [&]
  {
    auto image = LabelImage::New();
    image->SetRegions(region);
    image->SetSpacing(imageSpacing);
    image->SetOrigin(origin);
    image->SetDirection(direction);
    image->Allocate(true);
    return image;
  };
  // Every frame as 0/1, 1 where the voxel is in the frame's segment (unpacked native BINARY frames
  // are already), so a segment's voxels are found by memchr rather than a test of every pixel.
  if (xferInfo.isEncapsulated() || bitsAllocated != 1)
    for (std::vector<std::uint8_t>& frame : decoded)
      for (std::uint8_t& v : frame)
        v = bitsAllocated == 1 ? v != 0 : v >= fractionalThreshold;
  for (DicomSegSegment& s : seg.segments)
  {
    std::vector<std::size_t> mine;
    for (std::size_t f = 0; f < info.size(); ++f)
      if (info[f].segment == s.number)
        mine.push_back(f);
    auto fits = [&](const LabelImage& layer)
    {
      const std::uint16_t* buffer = layer.GetBufferPointer();
      for (std::size_t f : mine)
      {
        const std::uint16_t* slice = buffer + sliceOf[f] * pixels;
        if (!forEachSet(decoded[f],
                        [&](std::size_t p) { return slice[p] == 0 || slice[p] == s.value; }))
          return false;
      }
      return true;
    };
    std::size_t layer = 0;
    while (layer < seg.layers.size() && !fits(*seg.layers[layer]))
      ++layer;
    if (layer == seg.layers.size())
      seg.layers.push_back(newLayer());
    s.layer = static_cast<unsigned>(layer);
    std::uint16_t* buffer = seg.layers[layer]->GetBufferPointer();
    for (std::size_t f : mine)
    {
      std::uint16_t* slice = buffer + sliceOf[f] * pixels;
      forEachSet(decoded[f],
                 [&](std::size_t p)
                 {
                   if (slice[p] == 0)
                   {
                     slice[p] = s.value;
                     ++s.voxels;
                   }
                   return true;
                 });
    }
  }
  if (seg.layers.empty())
    seg.layers.push_back(newLayer());
  return seg;
}

} // namespace liver
