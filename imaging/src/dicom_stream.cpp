/// The bounded walk over a DICOM file's data elements (dicom_stream.h).

#include "dicom_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

namespace fs = std::filesystem;

namespace liver::detail
{
namespace
{

/// Why the walk stopped: the text for DicomStreamCheck::problem.
struct Refusal
{
  std::string problem;
};

/// Forward-only bytes with a short look-ahead: a file, or the inflated data set of a deflated one.
class Bytes
{
public:
  explicit Bytes(std::uint64_t size)
    : m_size(size)
  {
  }
  virtual ~Bytes() = default;
  std::uint64_t size() const { return m_size; }
  std::uint64_t position() const { return m_position; }

  /// The next `n` bytes, not consumed; false when fewer remain.
  bool peek(unsigned char* out, std::size_t n)
  {
    while (m_ahead.size() < n)
    {
      unsigned char chunk[4096];
      const std::size_t got = produce(chunk, std::min(sizeof chunk, n - m_ahead.size()));
      if (got == 0)
        return false;
      m_ahead.append(reinterpret_cast<const char*>(chunk), got);
    }
    std::memcpy(out, m_ahead.data(), n);
    return true;
  }

  /// Consume `n` bytes into `out`; false when fewer remain.
  bool read(unsigned char* out, std::size_t n)
  {
    if (!peek(out, n))
      return false;
    m_ahead.erase(0, n);
    m_position += n;
    return true;
  }

  /// Consume `n` bytes (the caller checked that they are there).
  void skip(std::uint64_t n)
  {
    const std::uint64_t buffered = std::min<std::uint64_t>(n, m_ahead.size());
    m_ahead.erase(0, static_cast<std::size_t>(buffered));
    if (n > buffered)
      discard(n - buffered);
    m_position += n;
  }

protected:
  /// Up to `n` further bytes into `out`; 0 at the end.
  virtual std::size_t produce(unsigned char* out, std::size_t n) = 0;
  /// Drop `n` further bytes.
  virtual void discard(std::uint64_t n) = 0;

private:
  std::uint64_t m_size;
  std::uint64_t m_position = 0;
  std::string m_ahead;
};

class FileBytes : public Bytes
{
public:
  FileBytes(const std::string& path, std::uint64_t size)
    : Bytes(size)
    , m_in(path, std::ios::binary)
  {
  }
  bool good() const { return static_cast<bool>(m_in); }

protected:
  std::size_t produce(unsigned char* out, std::size_t n) override
  {
    m_in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(m_in.gcount());
  }
  void discard(std::uint64_t n) override
  {
    m_in.seekg(static_cast<std::streamoff>(n), std::ios::cur);
  }

private:
  std::ifstream m_in;
};

/// The raw deflate stream that starts at byte `start` of a file, inflated on the fly.
class InflatedBytes : public Bytes
{
public:
  InflatedBytes(const std::string& path, std::uint64_t start, std::uint64_t inflatedSize)
    : Bytes(inflatedSize)
    , m_in(path, std::ios::binary)
  {
    m_in.seekg(static_cast<std::streamoff>(start));
    if (inflateInit2(&m_zip, -MAX_WBITS) != Z_OK)
      throw Refusal{ "cannot start inflating the deflated data set" };
  }
  ~InflatedBytes() override { inflateEnd(&m_zip); }
  InflatedBytes(const InflatedBytes&) = delete;
  InflatedBytes& operator=(const InflatedBytes&) = delete;

  /// Bytes the stream inflates to, refused beyond MaxDeflatedBytes or when corrupt.
  static std::uint64_t measure(const std::string& path, std::uint64_t start)
  {
    InflatedBytes stream(path, start, 0);
    std::uint64_t total = 0;
    unsigned char chunk[65536];
    while (const std::size_t got = stream.produce(chunk, sizeof chunk))
    {
      total += got;
      if (total > MaxDeflatedBytes)
        throw Refusal{ "deflated data set inflates to more than " +
                       std::to_string(MaxDeflatedBytes) + " bytes" };
    }
    return total;
  }

protected:
  std::size_t produce(unsigned char* out, std::size_t n) override
  {
    m_zip.next_out = out;
    m_zip.avail_out = static_cast<uInt>(n);
    while (m_zip.avail_out > 0 && !m_ended)
    {
      if (m_zip.avail_in == 0)
      {
        m_in.read(reinterpret_cast<char*>(m_input), sizeof m_input);
        m_zip.next_in = m_input;
        m_zip.avail_in = static_cast<uInt>(m_in.gcount());
        if (m_zip.avail_in == 0)
          break; // the file ends inside the stream: what inflated so far is all there is
      }
      const int status = inflate(&m_zip, Z_NO_FLUSH);
      if (status == Z_STREAM_END)
        m_ended = true;
      else if (status != Z_OK && status != Z_BUF_ERROR)
        throw Refusal{ "deflated data set is corrupt (zlib: " +
                       std::string(m_zip.msg ? m_zip.msg : "error") + ")" };
    }
    return n - m_zip.avail_out;
  }
  void discard(std::uint64_t n) override
  {
    unsigned char sink[65536];
    while (n > 0)
    {
      const std::size_t got =
        produce(sink, static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof sink)));
      if (got == 0)
        return;
      n -= got;
    }
  }

private:
  std::ifstream m_in;
  z_stream m_zip{};
  unsigned char m_input[65536];
  bool m_ended = false;
};

std::string tagName(std::uint16_t group, std::uint16_t element)
{
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", group, element);
  return text;
}

bool isVr(const unsigned char* p)
{
  static const char* all[] = { "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD",
                               "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
                               "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC",
                               "UI", "UL", "UN", "UR", "US", "UT", "UV" };
  return std::any_of(
    std::begin(all), std::end(all), [&](const char* v) { return p[0] == v[0] && p[1] == v[1]; });
}

/// VRs whose length takes 4 bytes (after 2 reserved ones) in explicit VR.
bool hasLongLength(const std::string& vr)
{
  static const char* all[] = { "OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                               "SV", "UC", "UN", "UR", "UT", "UV" };
  return std::any_of(std::begin(all), std::end(all), [&](const char* v) { return vr == v; });
}

constexpr std::uint32_t Undefined = 0xFFFFFFFF;

std::string trimValue(std::string s)
{
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
    s.pop_back();
  while (!s.empty() && s.front() == ' ')
    s.erase(0, 1);
  return s;
}

/// The top-level pixel description the walk reads on its way (0 when absent) and the start of
/// the pixel data: its length when native, the first frame's first bytes when encapsulated.
struct PixelHeader
{
  std::map<std::uint16_t, unsigned> us; ///< group 0028 US values by element
  bool pixelData = false;
  bool paletteDescriptor = false; ///< Red Palette Color LUT Descriptor (0028,1101) present
  bool encapsulated = false;
  std::uint64_t nativeLength = 0;
  std::string firstFrame; ///< at most FirstFrameBytes of the first frame's first fragment
  static constexpr std::size_t FirstFrameBytes = 65536;
  unsigned get(std::uint16_t element) const
  {
    const auto it = us.find(element);
    return it == us.end() ? 0 : it->second;
  }
};

class Walker
{
public:
  Walker(Bytes& in,
         std::map<std::uint32_t, std::string*> capture,
         std::string where,
         PixelHeader* pixel = nullptr)
    : m_in(in)
    , m_capture(std::move(capture))
    , m_where(std::move(where))
    , m_pixel(pixel)
  {
  }
  bool explicitVr = true;
  bool bigEndian = false;

  /// Elements until `end` (or, with `untilDelimiter`, an item delimiter (FFFE,E00D)); `depth` is
  /// the number of enclosing sequences. With `groupOnly`, stop before the first element of
  /// another group (the file meta group).
  void dataSet(std::uint64_t end, bool untilDelimiter, int depth, int groupOnly = -1)
  {
    for (;;)
    {
      const std::uint64_t left = end - m_in.position();
      unsigned char h[12];
      if (left == 0)
        return;
      // A header cut off by the end of the file or item: GDCM's reader asserts (aborts) on it.
      if (left < 8 || !m_in.peek(h, 8))
        cutOff(left);
      const std::uint16_t group = u16(h), element = u16(h + 2);
      if (groupOnly >= 0 && group != groupOnly)
        return;
      const std::uint64_t at = m_in.position();
      if (group == 0xFFFE)
      {
        m_in.skip(8);
        if (element == 0xE00D && untilDelimiter)
          return;
        refuse(at, group, element, "is an item tag outside a sequence");
      }
      std::string vr;
      std::uint32_t length = 0;
      if (explicitVr)
      {
        if (!isVr(h + 4))
          refuse(at, group, element, "has no valid VR (explicit VR transfer syntax)");
        vr.assign(reinterpret_cast<const char*>(h + 4), 2);
        if (hasLongLength(vr))
        {
          if (left < 12 || !m_in.read(h, 12))
            cutOff(left);
          length = u32(h + 8);
        }
        else
        {
          m_in.read(h, 8);
          length = u16(h + 6);
        }
      }
      else
      {
        m_in.read(h, 8);
        length = u32(h + 4);
      }
      value(at, group, element, vr, length, end, depth);
    }
  }

private:
  void value(std::uint64_t at,
             std::uint16_t group,
             std::uint16_t element,
             const std::string& vr,
             std::uint32_t length,
             std::uint64_t end,
             int depth)
  {
    const bool pixelData = group == 0x7FE0 && element == 0x0010;
    if (depth == 0 && m_pixel && group == 0x0028 && element == 0x1101)
      m_pixel->paletteDescriptor = true;
    if (pixelData && depth == 0 && m_pixel)
    {
      m_pixel->pixelData = true;
      m_pixel->encapsulated = length == Undefined;
      m_pixel->nativeLength = length == Undefined ? 0 : length;
    }
    if (length == Undefined)
    {
      if (pixelData) // encapsulated (also an icon's, inside a sequence)
        fragments(end, depth == 0 ? m_pixel : nullptr);
      else if (vr.empty() || vr == "SQ")
        sequence(at, group, element, end, true, depth + 1);
      else if (vr == "UN") // a sequence in implicit VR little endian
        implicitLittleEndian([&] { sequence(at, group, element, end, true, depth + 1); });
      else
        refuse(at, group, element, "has an undefined length but VR " + vr);
      return;
    }
    const std::uint64_t left = end - m_in.position();
    if (length > left)
      refuse(at,
             group,
             element,
             "claims " + std::to_string(length) + " bytes, but only " + std::to_string(left) +
               " remain in the " + (end == m_in.size() ? m_where : "enclosing item") +
               " (truncated file or lying length)");
    const std::uint64_t valueEnd = m_in.position() + length;
    if (vr == "SQ")
      sequence(at, group, element, valueEnd, false, depth + 1);
    else if ((vr.empty() || vr == "UN") && !pixelData && length >= 8 && startsWithItem(vr == "UN"))
    {
      // Implicit VR (or UN): a value that starts with an item is a sequence to GDCM as well.
      if (vr == "UN")
        implicitLittleEndian([&] { sequence(at, group, element, valueEnd, false, depth + 1); });
      else
        sequence(at, group, element, valueEnd, false, depth + 1);
    }
    else if (depth == 0 && group == 0x0028 && element == 0x0002 && length == 2)
    {
      // SamplesPerPixel: GDCM asserts (aborts) on more than 4.
      unsigned char v[2];
      m_in.read(v, 2);
      if (u16(v) > 4)
        refuse(
          at, group, element, "(SamplesPerPixel) is " + std::to_string(u16(v)) + ", more than 4");
      if (m_pixel)
        m_pixel->us[element] = u16(v);
    }
    else if (depth == 0 && group == 0x0028 && length == 2 && m_pixel &&
             (element == 0x0010 || element == 0x0011 || (element >= 0x0100 && element <= 0x0103)))
    {
      // Rows, Columns, BitsAllocated, BitsStored, HighBit, PixelRepresentation (US).
      unsigned char v[2];
      m_in.read(v, 2);
      m_pixel->us[element] = u16(v);
    }
    else if (depth == 0 && length <= 256 &&
             m_capture.count((std::uint32_t{ group } << 16) | element))
    {
      std::string text(length, '\0');
      m_in.read(reinterpret_cast<unsigned char*>(text.data()), length);
      *m_capture[(std::uint32_t{ group } << 16) | element] = trimValue(text);
    }
    else
      m_in.skip(length);
  }

  /// Items of a sequence until `end` or, with `undefinedLength`, the sequence delimiter.
  void sequence(std::uint64_t at,
                std::uint16_t group,
                std::uint16_t element,
                std::uint64_t end,
                bool undefinedLength,
                int depth)
  {
    if (depth > MaxDicomNesting)
      refuse(at,
             group,
             element,
             "nests sequences more than " + std::to_string(MaxDicomNesting) + " deep");
    for (;;)
    {
      const std::uint64_t left = end - m_in.position();
      if (!undefinedLength && left == 0)
        return;
      unsigned char h[8];
      if (undefinedLength && left == 0)
        return; // the file ends inside the sequence: GDCM reports that, allocating nothing
      if (left < 8 || !m_in.read(h, 8))
        cutOff(left);
      const std::uint16_t itemGroup = u16(h), itemElement = u16(h + 2);
      const std::uint32_t length = u32(h + 4);
      const std::uint64_t itemAt = m_in.position() - 8;
      if (itemGroup == 0xFFFE && itemElement == 0xE0DD && undefinedLength)
        return;
      if (itemGroup != 0xFFFE || itemElement != 0xE000)
        refuse(itemAt,
               itemGroup,
               itemElement,
               "found where an item (FFFE,E000) of sequence " + tagName(group, element) +
                 " should start");
      if (length == Undefined)
        dataSet(end, true, depth);
      else
      {
        const std::uint64_t itemLeft = end - m_in.position();
        if (length > itemLeft)
          refuse(itemAt,
                 itemGroup,
                 itemElement,
                 "(an item of " + tagName(group, element) + ") claims " + std::to_string(length) +
                   " bytes, but only " + std::to_string(itemLeft) +
                   " remain (truncated file or lying length)");
        dataSet(m_in.position() + length, false, depth);
      }
    }
  }

  /// Encapsulated pixel data: fragments of defined length up to the sequence delimiter. With
  /// `pixel`, the start of the first frame (the fragment after the offset table) is kept there.
  void fragments(std::uint64_t end, PixelHeader* pixel)
  {
    for (int index = 0;; ++index)
    {
      const std::uint64_t left = end - m_in.position();
      unsigned char h[8];
      if (left == 0)
        return; // cut off: GDCM cannot decode it and says so
      if (left < 8 || !m_in.read(h, 8))
        cutOff(left);
      const std::uint16_t group = u16(h), element = u16(h + 2);
      const std::uint32_t length = u32(h + 4);
      const std::uint64_t at = m_in.position() - 8;
      if (group == 0xFFFE && element == 0xE0DD)
        return;
      if (group != 0xFFFE || element != 0xE000)
        refuse(at, group, element, "found where a PixelData (7FE0,0010) fragment should start");
      if (length > end - m_in.position())
        refuse(at,
               group,
               element,
               "(a PixelData (7FE0,0010) fragment) claims " +
                 (length == Undefined ? std::string("an undefined length")
                                      : std::to_string(length) + " bytes") +
                 ", but only " + std::to_string(end - m_in.position()) +
                 " remain (truncated file or lying length)");
      if (index == 1 && pixel)
      {
        const std::size_t keep = std::min<std::size_t>(length, PixelHeader::FirstFrameBytes);
        pixel->firstFrame.resize(keep);
        m_in.read(reinterpret_cast<unsigned char*>(pixel->firstFrame.data()), keep);
        m_in.skip(length - keep);
      }
      else
        m_in.skip(length);
    }
  }

  bool startsWithItem(bool littleEndian)
  {
    unsigned char h[4];
    if (!m_in.peek(h, 4))
      return false;
    const bool saved = bigEndian;
    bigEndian = bigEndian && !littleEndian;
    const bool item = u16(h) == 0xFFFE && u16(h + 2) == 0xE000;
    bigEndian = saved;
    return item;
  }

  template<typename F>
  void implicitLittleEndian(F&& body)
  {
    const bool savedExplicit = explicitVr, savedBig = bigEndian;
    explicitVr = false;
    bigEndian = false;
    body();
    explicitVr = savedExplicit;
    bigEndian = savedBig;
  }

  [[noreturn]] void cutOff(std::uint64_t left) const
  {
    throw Refusal{ "element header at byte " + std::to_string(m_in.position()) +
                   (m_where == "file" ? "" : " of the " + m_where) + " cut off after " +
                   std::to_string(left) + " byte(s) by the end of the " +
                   (m_in.position() + left == m_in.size() ? m_where : "enclosing item") +
                   " (truncated file or lying length)" };
  }

  [[noreturn]] void refuse(std::uint64_t at,
                           std::uint16_t group,
                           std::uint16_t element,
                           const std::string& what) const
  {
    throw Refusal{ "element " + tagName(group, element) + " at byte " + std::to_string(at) +
                   (m_where == "file" ? "" : " of the " + m_where) + " " + what };
  }

  std::uint16_t u16(const unsigned char* p) const
  {
    return bigEndian ? static_cast<std::uint16_t>(p[0] << 8 | p[1])
                     : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
  }
  std::uint32_t u32(const unsigned char* p) const
  {
    return bigEndian ? std::uint32_t{ u16(p) } << 16 | u16(p + 2)
                     : std::uint32_t{ u16(p + 2) } << 16 | u16(p);
  }

  Bytes& m_in;
  std::map<std::uint32_t, std::string*> m_capture;
  std::string m_where;
  PixelHeader* m_pixel;
};

std::uint32_t bigEndian16(const std::string& b, std::size_t at)
{
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8 |
         static_cast<unsigned char>(b[at + 1]);
}

std::uint32_t bigEndian32(const std::string& b, std::size_t at)
{
  return bigEndian16(b, at) << 16 | bigEndian16(b, at + 2);
}

/// A JPEG or JPEG-LS frame header (SOFn, SOF55) in `stream`: precision, lines, samples per line.
struct FrameHeader
{
  unsigned precision = 0, rows = 0, columns = 0;
};

std::optional<FrameHeader> jpegFrameHeader(const std::string& stream)
{
  if (stream.size() < 4 || static_cast<unsigned char>(stream[0]) != 0xFF ||
      static_cast<unsigned char>(stream[1]) != 0xD8)
    return std::nullopt;
  std::size_t at = 2;
  while (at + 4 <= stream.size())
  {
    if (static_cast<unsigned char>(stream[at]) != 0xFF)
      return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(stream[at + 1]);
    if (marker == 0xFF) // fill byte
    {
      ++at;
      continue;
    }
    const bool sof =
      (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
      marker == 0xF7;
    if (sof)
    {
      if (at + 9 > stream.size())
        return std::nullopt;
      return FrameHeader{ static_cast<unsigned char>(stream[at + 4]),
                          bigEndian16(stream, at + 5),
                          bigEndian16(stream, at + 7) };
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9))
      at += 2;
    else
      at += 2 + bigEndian16(stream, at + 2);
  }
  return std::nullopt;
}

/// The JPEG 2000 image size (SIZ after SOC, raw codestream or inside a JP2 box) and the first
/// component's precision.
std::optional<FrameHeader> j2kFrameHeader(const std::string& stream)
{
  const std::size_t at = stream.find("\xFF\x4F\xFF\x51");
  if (at == std::string::npos || at + 4 + 38 + 1 > stream.size())
    return std::nullopt;
  const std::size_t siz = at + 4; // Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, ... Csiz, Ssiz0
  const std::uint32_t x = bigEndian32(stream, siz + 4), y = bigEndian32(stream, siz + 8);
  const std::uint32_t x0 = bigEndian32(stream, siz + 12), y0 = bigEndian32(stream, siz + 16);
  if (x0 > x || y0 > y)
    return FrameHeader{ 0, 0, 0 };
  return FrameHeader{ (static_cast<unsigned char>(stream[siz + 38]) & 0x7Fu) + 1, y - y0, x - x0 };
}

/// Pixel descriptions that GDCM's image readers and decoders assert (abort) on, or that would make
/// them write past their buffer: empty when none.
std::string pixelProblem(const std::string& syntax,
                         const PixelHeader& pixel,
                         const std::string& photometric,
                         const std::string& frames)
{
  const bool native = syntax.empty() || syntax == "1.2.840.10008.1.2" ||
                      syntax == "1.2.840.10008.1.2.1" || syntax == "1.2.840.10008.1.2.2";
  if (!pixel.pixelData)
    return "";
  const std::string what = std::string(native ? "native" : "compressed") +
                           " pixel data (transfer syntax " +
                           (syntax.empty() ? "implicit VR little endian" : syntax) + ")";
  const unsigned allocated = pixel.get(0x0100), stored = pixel.get(0x0101);
  const unsigned high = pixel.get(0x0102), representation = pixel.get(0x0103);
  const unsigned samples = std::max(1u, pixel.get(0x0002));
  const unsigned rows = pixel.get(0x0010), columns = pixel.get(0x0011);
  if (allocated != 8 && allocated != 16 && (!native || allocated != 32))
    return "BitsAllocated (0028,0100) is " + std::to_string(allocated) + ": " + what +
           (native ? " needs 8, 16 or 32" : " needs 8 or 16");
  if (stored == 0 || stored > allocated || high >= allocated)
    return "BitsStored (0028,0101) " + std::to_string(stored) + " / HighBit (0028,0102) " +
           std::to_string(high) + " do not fit BitsAllocated " + std::to_string(allocated);
  if (allocated == 8 && stored != 8) // GDCM's decoders assert on fewer bits in a byte
    return "BitsStored (0028,0101) is " + std::to_string(stored) + " with BitsAllocated " +
           "(0028,0100) 8: " + what + " needs 8";
  if (representation > 1)
    return "PixelRepresentation (0028,0103) is " + std::to_string(representation) + ", not 0 or 1";
  // GDCM asserts on SamplesPerPixel 0 or 2, on PALETTE COLOR without a palette or over more than
  // 8 bits, and on colour models with one sample per pixel (an 8-bit palette image with its
  // palette decodes: not a CT, refused later).
  const bool rle = syntax == "1.2.840.10008.1.2.5";
  if (pixel.us.count(0x0002) && samples != pixel.get(0x0002))
    return "SamplesPerPixel (0028,0002) is 0, not 1, 3 or 4";
  if (samples != 1 && samples != 3 && samples != 4)
    return "SamplesPerPixel (0028,0002) is " + std::to_string(samples) + ", not 1, 3 or 4";
  const bool palette = photometric == "PALETTE COLOR" && allocated == 8 && pixel.paletteDescriptor;
  if (samples == 1 && !photometric.empty() && photometric != "MONOCHROME1" &&
      photometric != "MONOCHROME2" && !palette)
    return "PhotometricInterpretation (0028,0004) is '" + photometric +
           "' with one sample per pixel and BitsAllocated " + std::to_string(allocated) +
           ": not a CT image (MONOCHROME1 or MONOCHROME2)";
  if (!pixel.encapsulated) // native or deflated: the (inflated) value must be the pixels
  {
    const std::uint64_t count = std::max(1L, std::atol(frames.c_str()));
    const std::uint64_t expected =
      std::uint64_t{ rows } * columns * count * samples * allocated / 8;
    if (expected > 0 && pixel.nativeLength != expected && pixel.nativeLength != expected + 1)
      return "PixelData (7FE0,0010) holds " + std::to_string(pixel.nativeLength) +
             " bytes, but Rows x Columns x NumberOfFrames x SamplesPerPixel x BitsAllocated "
             "(0028,0100) give " +
             std::to_string(expected);
    return "";
  }
  const std::string& frame = pixel.firstFrame;
  std::optional<FrameHeader> header;
  std::string codec;
  if (rle)
  {
    // RLE: a 64-byte header whose first value is the number of segments (one per byte plane).
    if (frame.size() >= 4)
    {
      const unsigned segments = static_cast<unsigned char>(frame[0]) |
                                static_cast<unsigned char>(frame[1]) << 8 |
                                static_cast<unsigned char>(frame[2]) << 16 |
                                static_cast<unsigned>(static_cast<unsigned char>(frame[3])) << 24;
      if (segments != samples * allocated / 8)
        return "the first frame's RLE header lists " + std::to_string(segments) +
               " segment(s), but BitsAllocated (0028,0100) " + std::to_string(allocated) +
               " x SamplesPerPixel " + std::to_string(samples) + " need " +
               std::to_string(samples * allocated / 8);
    }
    return "";
  }
  if (syntax.rfind("1.2.840.10008.1.2.4.9", 0) == 0)
  {
    header = j2kFrameHeader(frame);
    codec = "JPEG 2000";
  }
  else if (syntax.rfind("1.2.840.10008.1.2.4.", 0) == 0)
  {
    header = jpegFrameHeader(frame);
    codec = "JPEG";
  }
  if (!header)
    return "";
  if (header->rows != rows || header->columns != columns)
    return "Rows x Columns (0028,0010/0011) " + std::to_string(rows) + "x" +
           std::to_string(columns) + " differ from the " + codec + " frame's " +
           std::to_string(header->rows) + "x" + std::to_string(header->columns);
  const bool jpegLs = syntax == "1.2.840.10008.1.2.4.80" || syntax == "1.2.840.10008.1.2.4.81";
  if (codec == "JPEG" && !jpegLs)
  {
    // GDCM picks its 8-, 12- or 16-bit JPEG decoder by BitsStored; it aborts when the stream's
    // precision needs another (a 12-bit header over a 16-bit lossless stream it can decode).
    auto decoder = [](unsigned bits) { return bits <= 8 ? 8u : bits <= 12 ? 12u : 16u; };
    if (header->precision == 0 || header->precision > 16 ||
        (decoder(stored) != decoder(header->precision) &&
         !(decoder(stored) == 12 && decoder(header->precision) == 16)))
      return "BitsStored (0028,0101) is " + std::to_string(stored) +
             ", but the JPEG frame header gives precision " + std::to_string(header->precision);
  }
  if (header->precision > allocated)
    return "BitsAllocated (0028,0100) is " + std::to_string(allocated) + ", but the " + codec +
           " frame holds " + std::to_string(header->precision) + "-bit samples";
  return "";
}

/// Explicit VR when the first element's bytes 4-5 spell a VR (GDCM decides the same way when a
/// file's transfer syntax and encoding disagree).
bool looksExplicit(Bytes& in)
{
  unsigned char h[6];
  return in.peek(h, 6) && isVr(h + 4);
}

} // namespace

DicomStreamCheck checkDicomStream(const std::string& path)
{
  DicomStreamCheck out;
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    return out;
  const std::uint64_t size = fs::file_size(path, error);
  if (error)
    return out;
  FileBytes file(path, size);
  if (!file.good())
    return out;
  unsigned char head[132];
  if (size >= 132 && file.peek(head, 132) && std::memcmp(head + 128, "DICM", 4) == 0)
    file.skip(132);
  else
  {
    if (!file.peek(head, 8))
      return out;
    const unsigned group = head[0] | head[1] << 8;
    if (group != 0x0000 && group != 0x0002 && group != 0x0008)
      return out;
  }
  out.verdict = DicomStreamCheck::Verdict::Sound;
  std::string syntax, photometric, frames;
  PixelHeader pixel;
  const std::map<std::uint32_t, std::string*> capture = {
    { 0x00020010, &syntax },
    { 0x00280004, &photometric },
    { 0x00280008, &frames },
    { 0x00080016, &out.sopClassUid },
    { 0x00080018, &out.sopInstanceUid },
    { 0x0020000D, &out.studyInstanceUid },
    { 0x0020000E, &out.seriesInstanceUid },
    { 0x00080060, &out.modality },
  };
  try
  {
    // The file meta group: explicit VR little endian (some writers put it implicit; GDCM copes).
    Walker meta(file, capture, "file");
    meta.explicitVr = looksExplicit(file);
    meta.dataSet(size, false, 0, 0x0002);
    if (file.position() == size) // GDCM's meta reader asserts (aborts) at its end
      throw Refusal{ "the file ends after its file meta group: no data set" };
    if (syntax == "1.2.840.10008.1.2.1.99")
    {
      const std::uint64_t start = file.position();
      InflatedBytes inflated(path, start, InflatedBytes::measure(path, start));
      Walker walker(inflated, capture, "inflated data set", &pixel);
      walker.explicitVr = looksExplicit(inflated);
      walker.dataSet(inflated.size(), false, 0);
    }
    else
    {
      Walker walker(file, capture, "file", &pixel);
      walker.bigEndian = syntax == "1.2.840.10008.1.2.2";
      walker.explicitVr = looksExplicit(file);
      walker.dataSet(size, false, 0);
    }
  }
  catch (const Refusal& refusal)
  {
    out.verdict = DicomStreamCheck::Verdict::Broken;
    out.problem = refusal.problem;
    return out;
  }
  out.pixelProblem = pixelProblem(syntax, pixel, photometric, frames);
  return out;
}

} // namespace liver::detail
