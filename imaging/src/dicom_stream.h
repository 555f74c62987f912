#pragma once
/// A bounded walk over a DICOM file's data elements before GDCM reads it. GDCM allocates whatever
/// length an element's header claims (a 200 kB file claiming a 4.2 GB value becomes a 4.2 GB
/// allocation), so every length is first checked against the bytes that are really there.

#include <string>

namespace liver::detail
{

/// What the walk found in one file.
struct DicomStreamCheck
{
  enum class Verdict
  {
    NotDicom, ///< neither "DICM" at byte 128 nor a bare data set: not for GDCM
    Sound,    ///< every element fits the file: GDCM may read it
    Broken,   ///< an element does not fit (see `problem`): GDCM must not read it
  };
  Verdict verdict = Verdict::NotDicom;
  /// Broken: the element (tag, offset) and what is wrong, e.g. "element (7FE0,0010) at byte 1234
  /// claims 4294967040 bytes, but only 524288 remain (truncated file or lying length)".
  std::string problem;
  /// Sound, but its pixel description disagrees with itself or its pixel data in a way GDCM's
  /// image reader and decoders assert (abort) on or overrun their buffer with (BitsAllocated not
  /// 8/16 (32 native), BitsStored/HighBit outside it, BitsStored against the JPEG precision,
  /// Rows/Columns against the frame header, RLE segments against BitsAllocated, a native or
  /// deflated value of the wrong size): loading it as an image is an InputError with this text.
  /// Empty when none.
  std::string pixelProblem;
  /// Top-level values read on the way (empty when absent or not reached): enough to place a
  /// broken file in its series without GDCM.
  std::string sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid, modality;
};

/// Walk the data elements of `path`: preamble and "DICM" (or a bare data set starting with group
/// 0000, 0002 or 0008), the file meta group, then the data set in its transfer syntax (explicit
/// or implicit VR, little or big endian, deflated), sequences and items of defined or undefined
/// length, encapsulated pixel data fragments. Every defined length must fit in what remains of the
/// file and of the enclosing sequence or item; undefined lengths only where DICOM allows them
/// (SQ, UN, OB/OW, items); sequences nested at most MaxDicomNesting deep; a deflated data set at
/// most MaxDeflatedBytes inflated. Reads element headers only (values are skipped), so a 500 MB
/// multi-frame file costs a few hundred small reads.
DicomStreamCheck checkDicomStream(const std::string& path);

constexpr int MaxDicomNesting = 32;
constexpr unsigned long long MaxDeflatedBytes = 1ull << 30;

} // namespace liver::detail
