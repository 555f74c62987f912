#include "file_checks.h"

#include <liver/imaging/errors.h>

#include <itkImageIOBase.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

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
  if (expected == 0)
    return; // compressed without a stated size: nothing to compare against
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
