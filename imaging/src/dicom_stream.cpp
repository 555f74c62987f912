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

class Walker
{
public:
  Walker(Bytes& in, std::map<std::uint32_t, std::string*> capture, std::string where)
    : m_in(in)
    , m_capture(std::move(capture))
    , m_where(std::move(where))
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
    if (length == Undefined)
    {
      if (pixelData) // encapsulated (also an icon's, inside a sequence)
        fragments(end);
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

  /// Encapsulated pixel data: fragments of defined length up to the sequence delimiter.
  void fragments(std::uint64_t end)
  {
    for (;;)
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
};

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
  std::string syntax;
  const std::map<std::uint32_t, std::string*> capture = {
    { 0x00020010, &syntax },
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
      Walker walker(inflated, capture, "inflated data set");
      walker.explicitVr = looksExplicit(inflated);
      walker.dataSet(inflated.size(), false, 0);
    }
    else
    {
      Walker walker(file, capture, "file");
      walker.bigEndian = syntax == "1.2.840.10008.1.2.2";
      walker.explicitVr = looksExplicit(file);
      walker.dataSet(size, false, 0);
    }
  }
  catch (const Refusal& refusal)
  {
    out.verdict = DicomStreamCheck::Verdict::Broken;
    out.problem = refusal.problem;
  }
  return out;
}

} // namespace liver::detail
