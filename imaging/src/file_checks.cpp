#include "file_checks.h"

#include <liver/imaging/errors.h>

#include <itkImageIOBase.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

namespace liver::detail
{
namespace
{

struct GzCloser
{
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

template<typename T>
T readAs(const unsigned char* bytes, bool swap)
{
  std::array<unsigned char, sizeof(T)> b;
  std::memcpy(b.data(), bytes, sizeof(T));
  if (swap)
    std::reverse(b.begin(), b.end());
  T value;
  std::memcpy(&value, b.data(), sizeof(T));
  return value;
}

/// vox_offset of a NIfTI-1 or NIfTI-2 header (first 544 bytes, already decompressed).
std::uint64_t voxelOffset(const unsigned char* header, std::size_t length, const std::string& path)
{
  if (length < 348)
    throw InputError(path, "NIfTI header truncated");
  const auto sizeofHdr = readAs<std::int32_t>(header, false);
  const auto swapped = readAs<std::int32_t>(header, true);
  if (sizeofHdr == 348 || swapped == 348)
  {
    const float offset = readAs<float>(header + 108, swapped == 348);
    return offset < 352.0f ? 352u : static_cast<std::uint64_t>(offset);
  }
  if ((sizeofHdr == 540 || swapped == 540) && length >= 540)
    return static_cast<std::uint64_t>(readAs<std::int64_t>(header + 168, swapped == 540));
  throw InputError(path, "not a NIfTI header (sizeof_hdr is neither 348 nor 540)");
}

/// The gzip trailer's ISIZE: uncompressed length modulo 2^32 of the (last) member.
bool gzipTrailerSize(const std::string& path, std::uint32_t& size)
{
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() < 18)
    return false;
  in.seekg(-4, std::ios::end);
  unsigned char b[4];
  in.read(reinterpret_cast<char*>(b), 4);
  size = static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  return static_cast<bool>(in);
}

constexpr std::uint64_t CorruptStream = ~std::uint64_t{ 0 };

/// Inflate `compressedBytes` of `in` (zlib or gzip, as MetaIO accepts) without keeping the
/// output: the inflated length (stopping once it passes `limit`), or CorruptStream when zlib
/// reports an error or the stream ends early.
std::uint64_t inflatedSize(std::istream& in, std::uint64_t compressedBytes, std::uint64_t limit)
{
  z_stream zip{};
  if (inflateInit2(&zip, 15 + 32) != Z_OK) // 15 + 32: zlib or gzip header, detected
    return CorruptStream;
  std::vector<unsigned char> input(1 << 16), output(1 << 16);
  std::uint64_t total = 0, left = compressedBytes;
  int status = Z_OK;
  while (status != Z_STREAM_END)
  {
    if (zip.avail_in == 0)
    {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, input.size()));
      in.read(reinterpret_cast<char*>(input.data()), static_cast<std::streamsize>(n));
      if (n == 0 || static_cast<std::size_t>(in.gcount()) != n)
        break; // the stream ends before zlib's end marker
      left -= n;
      zip.next_in = input.data();
      zip.avail_in = static_cast<unsigned>(n);
    }
    zip.next_out = output.data();
    zip.avail_out = static_cast<unsigned>(output.size());
    status = inflate(&zip, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END)
      break;
    total += output.size() - zip.avail_out;
    if (total > limit)
      break;
  }
  inflateEnd(&zip);
  return status == Z_STREAM_END || total > limit ? total : CorruptStream;
}

} // namespace

void checkNiftiComplete(const std::string& path, std::uint64_t dataBytes)
{
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file)
    throw InputError(path, "cannot open");
  std::array<unsigned char, 544> header{};
  const int got = gzread(file.get(), header.data(), static_cast<unsigned>(header.size()));
  if (got < 0)
    throw InputError(path, "corrupt compressed data");
  const std::uint64_t expected =
    voxelOffset(header.data(), static_cast<std::size_t>(got), path) + dataBytes;
  if (!gzdirect(file.get()))
  {
    // Cheap first: the trailer of a complete single-member stream gives the length. Only when it
    // disagrees (truncation, or several members) is the whole stream inflated to be sure.
    std::uint32_t trailer = 0;
    if (gzipTrailerSize(path, trailer) && trailer == static_cast<std::uint32_t>(expected))
      return;
    std::uint64_t total = static_cast<std::uint64_t>(got);
    std::array<char, 1 << 16> buffer;
    int n = 0;
    while ((n = gzread(file.get(), buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
      total += static_cast<std::uint64_t>(n);
    int error = Z_OK;
    const char* message = gzerror(file.get(), &error);
    if (n < 0 || (error != Z_OK && error != Z_STREAM_END))
      throw InputError(path,
                       std::string("corrupt or truncated gzip data (") + message + ") after " +
                         std::to_string(total) + " of " + std::to_string(expected) + " bytes");
    if (total < expected)
      throw InputError(path,
                       "truncated: " + std::to_string(total) + " of " + std::to_string(expected) +
                         " bytes of header and voxels");
    return;
  }
  const auto size = static_cast<std::uint64_t>(std::filesystem::file_size(path));
  if (size < expected)
    throw InputError(path,
                     "truncated: " + std::to_string(size) + " of " + std::to_string(expected) +
                       " bytes of header and voxels");
}

} // namespace liver::detail

namespace liver::detail
{

void checkMetaImageComplete(const std::string& path, std::uint64_t dataBytes)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot open");
  std::string line, dataFile;
  std::uint64_t compressedSize = 0;
  bool compressed = false;
  auto value = [](const std::string& l)
  {
    const auto eq = l.find('=');
    std::string v = eq == std::string::npos ? std::string() : l.substr(eq + 1);
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t\r") + 1);
    return v;
  };
  while (std::getline(in, line))
  {
    const std::string key = line.substr(0, line.find_first_of(" =\t"));
    if (key == "CompressedData")
      compressed = value(line) == "True";
    else if (key == "CompressedDataSize")
      compressedSize = std::strtoull(value(line).c_str(), nullptr, 10);
    else if (key == "ElementDataFile")
    {
      dataFile = value(line);
      break;
    }
  }
  if (dataFile.empty())
    throw InputError(path, "MetaImage header without ElementDataFile");
  const std::uint64_t expected = compressed ? compressedSize : dataBytes;
  std::uint64_t available = 0;
  if (dataFile == "LOCAL")
    available = std::filesystem::file_size(path) - static_cast<std::uint64_t>(in.tellg());
  else
  {
    const std::filesystem::path data = std::filesystem::path(path).parent_path() / dataFile;
    std::error_code ec;
    available = std::filesystem::file_size(data, ec);
    if (ec)
      throw InputError(path, "ElementDataFile " + dataFile + " cannot be read");
  }
  if (available < expected)
    throw InputError(path,
                     "truncated: " + std::to_string(available) + " of " + std::to_string(expected) +
                       " bytes of voxel data");
  // zlib inflates at most about 1032:1: refuse before a reader allocates what the header claims.
  if (compressed && available * 1032 < dataBytes)
    throw InputError(path,
                     "truncated: " + std::to_string(available) + " compressed bytes cannot hold " +
                       std::to_string(dataBytes) + " bytes of voxel data");
  if (compressed)
  {
    // MetaIO prints "Uncompress failed" on a corrupt stream and hands over what it inflated (or
    // nothing) as voxels: the stream must inflate, without error, to exactly the voxels.
    std::ifstream data;
    if (dataFile == "LOCAL")
      data.open(path, std::ios::binary), data.seekg(in.tellg());
    else
      data.open(std::filesystem::path(path).parent_path() / dataFile, std::ios::binary);
    // Without CompressedDataSize MetaIO reads to the end of the data.
    const std::uint64_t inflated =
      inflatedSize(data, compressedSize > 0 ? compressedSize : available, dataBytes);
    if (inflated != dataBytes)
      throw InputError(path,
                       "CompressedData: the zlib stream inflates to " +
                         (inflated == CorruptStream ? std::string("an error (corrupt data)")
                                                    : std::to_string(inflated) + " bytes") +
                         (inflated > dataBytes ? " or more" : "") +
                         ", but DimSize x ElementType give " + std::to_string(dataBytes));
  }
}

} // namespace liver::detail

namespace liver::detail
{

void checkImageFileComplete(const std::string& path, const itk::ImageIOBase& io)
{
  const std::string reader = io.GetNameOfClass();
  if (reader == "NiftiImageIO")
    checkNiftiComplete(path, io.GetImageSizeInBytes());
  else if (reader == "MetaImageIO")
    checkMetaImageComplete(path, io.GetImageSizeInBytes());
}

} // namespace liver::detail

namespace liver::detail
{
namespace
{

bool endsWith(const std::string& text, const std::string& suffix)
{
  return text.size() >= suffix.size() &&
         std::equal(suffix.rbegin(),
                    suffix.rend(),
                    text.rbegin(),
                    [](char a, char b)
                    {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

/// Voxel count of `sizes`, refused past MaxImageVoxels (no overflow on the way).
std::uint64_t checkedVoxelCount(const std::vector<std::uint64_t>& sizes,
                                const std::string& path,
                                const std::string& field)
{
  std::uint64_t count = 1;
  for (std::uint64_t s : sizes)
  {
    if (s == 0)
      throw InputError(path, field + ": a zero dimension");
    if (s > MaxImageVoxels || count > MaxImageVoxels / s)
      throw InputError(path,
                       field + ": more than " + std::to_string(MaxImageVoxels) +
                         " voxels claimed (refused before reading)");
    count *= s;
  }
  return count;
}

void checkSpacing(double spacing, const std::string& path, const std::string& field)
{
  if (!std::isfinite(spacing) || !(spacing > 0))
  {
    std::ostringstream msg;
    msg << field << " = " << spacing << ": voxel spacing must be finite and > 0";
    throw InputError(path, msg.str());
  }
}

/// A data file named by a header: beside it (or absolute), a regular file (not a FIFO or device
/// that would block or never end).
void checkDataFile(const std::string& headerPath, const std::string& name, const std::string& field)
{
  const std::filesystem::path file = std::filesystem::path(name).is_absolute()
                                       ? std::filesystem::path(name)
                                       : std::filesystem::path(headerPath).parent_path() / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw InputError(headerPath, field + " " + name + ": not a regular file");
}

std::string trimmed(std::string s)
{
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

/// Bytes per voxel of a NIfTI datatype code; 0 for codes that are not one scalar.
unsigned niftiTypeBytes(int datatype)
{
  switch (datatype)
  {
    case 2:
    case 256:
      return 1;
    case 4:
    case 512:
      return 2;
    case 8:
    case 16:
    case 768:
      return 4;
    case 64:
    case 1024:
    case 1280:
      return 8;
    default:
      return 0;
  }
}

void checkNiftiHeader(const std::string& path)
{
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file)
    throw InputError(path, "cannot open");
  std::array<unsigned char, 544> h{};
  const int got = gzread(file.get(), h.data(), static_cast<unsigned>(h.size()));
  file.reset();
  if (got < 348)
    throw InputError(path, got < 0 ? "corrupt compressed data" : "NIfTI header truncated");
  const bool swap1 = readAs<std::int32_t>(h.data(), true) == 348;
  const bool swap2 = readAs<std::int32_t>(h.data(), true) == 540;
  const bool nifti1 = readAs<std::int32_t>(h.data(), false) == 348 || swap1;
  const bool nifti2 = readAs<std::int32_t>(h.data(), false) == 540 || swap2;
  if (!nifti1 && !nifti2)
    throw InputError(path, "not a NIfTI header (sizeof_hdr is neither 348 nor 540)");
  if (nifti2 && got < 540)
    throw InputError(path, "NIfTI-2 header truncated");
  const bool swap = nifti1 ? swap1 : swap2;
  if (nifti1 ? std::memcmp(h.data() + 344, "n+1", 4) != 0
             : std::memcmp(h.data() + 4, "n+2", 4) != 0)
    throw InputError(path, "magic: not a single-file NIfTI (n+1 / n+2)");
  std::array<std::int64_t, 8> dim{};
  std::array<double, 8> pixdim{};
  for (int i = 0; i < 8; ++i)
  {
    dim[i] = nifti1 ? readAs<std::int16_t>(h.data() + 40 + 2 * i, swap)
                    : readAs<std::int64_t>(h.data() + 16 + 8 * i, swap);
    pixdim[i] = nifti1 ? readAs<float>(h.data() + 76 + 4 * i, swap)
                       : readAs<double>(h.data() + 104 + 8 * i, swap);
  }
  const int datatype = readAs<std::int16_t>(h.data() + (nifti1 ? 70 : 12), swap);
  const int bitpix = readAs<std::int16_t>(h.data() + (nifti1 ? 72 : 14), swap);
  if (dim[0] < 1 || dim[0] > 7)
    throw InputError(path, "dim[0] = " + std::to_string(dim[0]) + ": must be 1..7");
  std::vector<std::uint64_t> sizes;
  for (int i = 1; i <= dim[0]; ++i)
  {
    if (dim[i] < 1)
      throw InputError(
        path, "dim[" + std::to_string(i) + "] = " + std::to_string(dim[i]) + ": must be >= 1");
    sizes.push_back(static_cast<std::uint64_t>(dim[i]));
  }
  const std::uint64_t voxels = checkedVoxelCount(sizes, path, "dim");
  const unsigned bytes = niftiTypeBytes(datatype);
  if (bytes == 0)
    throw InputError(path,
                     "datatype " + std::to_string(datatype) +
                       ": not a supported scalar type (complex, RGB and 1-bit are not)");
  if (bitpix != static_cast<int>(8 * bytes))
    throw InputError(path,
                     "bitpix " + std::to_string(bitpix) + " does not match datatype " +
                       std::to_string(datatype) + " (" + std::to_string(8 * bytes) + ")");
  for (int i = 1; i <= std::min<std::int64_t>(dim[0], 3); ++i)
    checkSpacing(pixdim[i], path, "pixdim[" + std::to_string(i) + "]");
  const double offset = nifti1 ? readAs<float>(h.data() + 108, swap)
                               : static_cast<double>(readAs<std::int64_t>(h.data() + 168, swap));
  if (!std::isfinite(offset) || offset < 0)
    throw InputError(path, "vox_offset " + std::to_string(offset) + ": must be finite and >= 0");
  checkNiftiComplete(path, voxels * bytes);
}

/// Bytes of an NRRD type name; 0 when unknown or "block".
unsigned nrrdTypeBytes(const std::string& type)
{
  static const std::map<std::string, unsigned> sizes = {
    { "signed char", 1 },
    { "int8", 1 },
    { "int8_t", 1 },
    { "uchar", 1 },
    { "unsigned char", 1 },
    { "uint8", 1 },
    { "uint8_t", 1 },
    { "short", 2 },
    { "short int", 2 },
    { "signed short", 2 },
    { "signed short int", 2 },
    { "int16", 2 },
    { "int16_t", 2 },
    { "ushort", 2 },
    { "unsigned short", 2 },
    { "unsigned short int", 2 },
    { "uint16", 2 },
    { "uint16_t", 2 },
    { "int", 4 },
    { "signed int", 4 },
    { "int32", 4 },
    { "int32_t", 4 },
    { "uint", 4 },
    { "unsigned int", 4 },
    { "uint32", 4 },
    { "uint32_t", 4 },
    { "longlong", 8 },
    { "long long", 8 },
    { "long long int", 8 },
    { "signed long long", 8 },
    { "signed long long int", 8 },
    { "int64", 8 },
    { "int64_t", 8 },
    { "ulonglong", 8 },
    { "unsigned long long", 8 },
    { "unsigned long long int", 8 },
    { "uint64", 8 },
    { "uint64_t", 8 },
    { "float", 4 },
    { "double", 8 },
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

std::vector<std::string> words(const std::string& text)
{
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// A finite number, or nullopt (std::stod accepts "nan", "inf" and trailing junk; we do not).
std::optional<double> number(const std::string& text)
{
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::optional<std::uint64_t> count(const std::string& text)
{
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(text);
}

void checkNrrdHeader(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot open");
  std::string line;
  if (!std::getline(in, line) || line.rfind("NRRD000", 0) != 0)
    throw InputError(path, "not an NRRD file (no NRRD000X magic line)");
  std::map<std::string, std::string> fields;
  std::size_t lines = 0;
  while (std::getline(in, line))
  {
    if (++lines > 10000)
      throw InputError(path, "NRRD header longer than 10000 lines");
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      break; // the data follow
    if (line[0] == '#' || line.find(":=") != std::string::npos)
      continue; // comment, key/value pair
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos)
      throw InputError(path, "NRRD header line without \"field: value\": " + line.substr(0, 60));
    std::string key = line.substr(0, colon);
    std::transform(key.begin(),
                   key.end(),
                   key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    fields[key] = trimmed(line.substr(colon + 2));
  }
  const std::streamoff headerEnd = in.tellg();
  auto field = [&](const std::string& key) -> const std::string*
  {
    const auto it = fields.find(key);
    return it == fields.end() ? nullptr : &it->second;
  };
  const std::string* dimension = field("dimension");
  const auto dims = dimension ? count(*dimension) : std::nullopt;
  if (!dims || *dims < 1 || *dims > 16)
    throw InputError(path, "dimension: missing or not 1..16");
  const std::string* sizesText = field("sizes");
  if (!sizesText)
    throw InputError(path, "sizes: missing");
  std::vector<std::uint64_t> sizes;
  for (const std::string& w : words(*sizesText))
  {
    const auto s = count(w);
    if (!s)
      throw InputError(path, "sizes: \"" + w + "\" is not a positive integer");
    sizes.push_back(*s);
  }
  if (sizes.size() != *dims)
    throw InputError(path,
                     "sizes: " + std::to_string(sizes.size()) + " values for dimension " +
                       std::to_string(*dims));
  const std::uint64_t voxels = checkedVoxelCount(sizes, path, "sizes");
  const std::string* type = field("type");
  const unsigned bytes = type ? nrrdTypeBytes(*type) : 0;
  if (bytes == 0)
    throw InputError(path, "type: missing or not a scalar type (" + (type ? *type : "") + ")");
  if (const std::string* spacings = field("spacings"))
  {
    const std::vector<std::string> w = words(*spacings);
    if (w.size() != *dims)
      throw InputError(path,
                       "spacings: " + std::to_string(w.size()) + " values for dimension " +
                         std::to_string(*dims));
    for (std::size_t a = 0; a < w.size(); ++a)
      if (!(*dims > 3 && (w[a] == "nan" || w[a] == "NaN"))) // NaN marks a non-spatial axis
        checkSpacing(
          number(w[a]).value_or(std::nan("")), path, "spacings[" + std::to_string(a) + "]");
  }
  if (const std::string* directions = field("space directions"))
  {
    std::size_t axis = 0;
    for (std::size_t at = 0; (at = directions->find('(', at)) != std::string::npos; ++axis)
    {
      const std::size_t close = directions->find(')', at);
      if (close == std::string::npos)
        throw InputError(path, "space directions: unbalanced parentheses");
      std::string vector = directions->substr(at + 1, close - at - 1);
      std::replace(vector.begin(), vector.end(), ',', ' ');
      double norm2 = 0;
      for (const std::string& w : words(vector))
      {
        const auto v = number(w);
        if (!v)
          throw InputError(path,
                           "space directions: axis " + std::to_string(axis) + " has \"" + w +
                             "\", not a finite number");
        norm2 += *v * *v;
      }
      checkSpacing(
        std::sqrt(norm2), path, "space directions: axis " + std::to_string(axis) + " length");
      at = close;
    }
  }
  std::string encoding = field("encoding") ? *field("encoding") : "";
  if (encoding != "raw" && encoding != "gzip" && encoding != "gz" && encoding != "bzip2" &&
      encoding != "bz2" && encoding != "txt" && encoding != "text" && encoding != "ascii" &&
      encoding != "hex")
    throw InputError(path, "encoding: missing or unknown (" + encoding + ")");
  const std::string* dataFile = field("data file") ? field("data file") : field("datafile");
  std::uint64_t available = 0; // bytes of the data as stored
  if (dataFile)
  {
    if (dataFile->rfind("LIST", 0) == 0 || dataFile->find('%') != std::string::npos)
      throw InputError(path, "data file: lists and file patterns are not supported");
    checkDataFile(path, *dataFile, "data file");
    const std::filesystem::path file = std::filesystem::path(*dataFile).is_absolute()
                                         ? std::filesystem::path(*dataFile)
                                         : std::filesystem::path(path).parent_path() / *dataFile;
    available = static_cast<std::uint64_t>(std::filesystem::file_size(file));
  }
  else
  {
    const auto size = static_cast<std::uint64_t>(std::filesystem::file_size(path));
    const auto start = headerEnd < 0 ? size : static_cast<std::uint64_t>(headerEnd);
    available = size - std::min(size, start);
  }
  const std::uint64_t needed = voxels * bytes;
  const bool skips = field("byte skip") || field("line skip");
  if (encoding == "raw" && !skips && available < needed)
    throw InputError(path,
                     "truncated: " + std::to_string(available) + " of " + std::to_string(needed) +
                       " bytes of voxel data");
  // Compressed data cannot hold more than its inflation limit (gzip: at most 1032:1): refuse
  // before a reader allocates what the header claims.
  const std::uint64_t inflation = encoding == "gzip" || encoding == "gz" ? 1032 : 1500000; // bzip2
  if (encoding != "raw" && encoding != "txt" && encoding != "text" && encoding != "ascii" &&
      encoding != "hex" && available * inflation < needed)
    throw InputError(path,
                     "truncated: " + std::to_string(available) + " compressed bytes cannot hold " +
                       std::to_string(needed) + " bytes of voxel data");
  if ((encoding == "txt" || encoding == "text" || encoding == "ascii" || encoding == "hex") &&
      available < voxels)
    throw InputError(path,
                     "truncated: " + std::to_string(available) + " bytes of text for " +
                       std::to_string(voxels) + " voxels");
}

/// Bytes of a MetaImage ElementType; 0 when unknown.
unsigned metaTypeBytes(const std::string& type)
{
  static const std::map<std::string, unsigned> sizes = {
    { "MET_CHAR", 1 },      { "MET_UCHAR", 1 },      { "MET_SHORT", 2 }, { "MET_USHORT", 2 },
    { "MET_INT", 4 },       { "MET_UINT", 4 },       { "MET_LONG", 4 },  { "MET_ULONG", 4 },
    { "MET_LONG_LONG", 8 }, { "MET_ULONG_LONG", 8 }, { "MET_FLOAT", 4 }, { "MET_DOUBLE", 8 },
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

void checkMetaImageHeader(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot open");
  std::map<std::string, std::string> fields;
  std::string line;
  std::size_t lines = 0;
  // MetaIO reads a field name up to the next '=' (across lines) and copies it into a 255-byte
  // buffer with strcpy: a longer one overflows it (glibc aborts the process).
  std::size_t nameChars = 0;
  auto checkName = [&]
  {
    if (nameChars > 254)
      throw InputError(path,
                       "MetaImage field name (the text before '=' on line " +
                         std::to_string(lines) + ") longer than 254 characters");
  };
  while (std::getline(in, line))
  {
    if (++lines > 10000)
      throw InputError(path, "MetaImage header longer than 10000 lines");
    const std::size_t eq = line.find('=');
    nameChars += eq == std::string::npos ? line.size() + 1 : eq;
    checkName();
    if (eq == std::string::npos)
      continue;
    nameChars = 0;
    const std::string key = trimmed(line.substr(0, eq));
    fields[key] = trimmed(line.substr(eq + 1));
    if (key == "ElementDataFile")
      break;
  }
  auto field = [&](const std::string& key)
  {
    const auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };
  const auto dims = count(field("NDims"));
  if (!dims || *dims < 1 || *dims > 16)
    throw InputError(path, "NDims: missing or not 1..16");
  std::vector<std::uint64_t> sizes;
  for (const std::string& w : words(field("DimSize")))
  {
    const auto s = count(w);
    if (!s)
      throw InputError(path, "DimSize: \"" + w + "\" is not a positive integer");
    sizes.push_back(*s);
  }
  if (sizes.size() != *dims)
    throw InputError(path,
                     "DimSize: " + std::to_string(sizes.size()) + " values for NDims " +
                       std::to_string(*dims));
  const std::uint64_t voxels = checkedVoxelCount(sizes, path, "DimSize");
  for (const char* key : { "ElementSpacing", "ElementSize" })
  {
    const std::vector<std::string> w = words(field(key));
    for (std::size_t a = 0; a < w.size() && a < 3; ++a)
      checkSpacing(
        number(w[a]).value_or(std::nan("")), path, key + ("[" + std::to_string(a) + "]"));
  }
  const unsigned bytes = metaTypeBytes(field("ElementType"));
  if (bytes == 0)
    throw InputError(path,
                     "ElementType: missing or not a scalar type (" + field("ElementType") + ")");
  std::uint64_t channels = 1;
  if (!field("ElementNumberOfChannels").empty())
  {
    const auto c = count(field("ElementNumberOfChannels"));
    if (!c || *c < 1 || *c > 16)
      throw InputError(path, "ElementNumberOfChannels: not 1..16");
    channels = *c;
  }
  const std::string dataFile = field("ElementDataFile");
  if (dataFile.empty())
    throw InputError(path, "MetaImage header without ElementDataFile");
  if (dataFile != "LOCAL")
  {
    if (dataFile.rfind("LIST", 0) == 0 || dataFile.find('%') != std::string::npos)
      throw InputError(path, "ElementDataFile: lists and file patterns are not supported");
    checkDataFile(path, dataFile, "ElementDataFile");
  }
  checkMetaImageComplete(path, voxels * bytes * channels);
}

} // namespace

void checkImageHeader(const std::string& path)
{
  if (endsWith(path, ".nii") || endsWith(path, ".nii.gz"))
    checkNiftiHeader(path);
  else if (endsWith(path, ".nrrd") || endsWith(path, ".nhdr"))
    checkNrrdHeader(path);
  else if (endsWith(path, ".mha") || endsWith(path, ".mhd"))
    checkMetaImageHeader(path);
}

} // namespace liver::detail
