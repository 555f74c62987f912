#pragma once
/// Loading CT volumes and label maps; writing images atomically.

#include <liver/imaging/types.h>

#include <itkImageIOBase.h>

#include <functional>
#include <optional>
#include <string>

namespace liver
{

struct CtLoadOptions
{
  std::string seriesUid; ///< pick this DICOM series; empty = automatic choice
  bool strict = false;   ///< refuse non-uniform spacing, missing slices and gantry tilt
                         ///< instead of resampling them
};

/// Load a CT in HU from a NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage (.mha, .mhd) file,
/// a single DICOM file (including multi-frame enhanced CT) or a directory of DICOM files.
/// Throws InputError naming the file and field when the input cannot be used.
CtVolume loadCt(const std::string& path, const CtLoadOptions& options = {});

/// The ITK reader for an image file with its header read (pixels are not). Throws InputError
/// naming `path` when the file is absent, of an unknown format, or has an unreadable header.
itk::ImageIOBase::Pointer readImageHeader(const std::string& path);

/// Load a label map of any integer or float pixel type (values must be integers 0..65535).
/// Throws InputError on unreadable files, non-finite or non-integer values, or bad spacing.
LabelImage::Pointer loadLabels(const std::string& path);

/// Tolerances for deciding that two grids are the same.
struct GridTolerance
{
  double spacingRelative = 1e-4; ///< relative difference per axis
  double originVoxels = 0.05;    ///< origin distance in units of the smallest spacing
  double direction = 1e-4;       ///< absolute difference per direction-matrix entry
};

/// Empty string when the grids match; otherwise a one-line description of the first difference.
std::string describeGridMismatch(const itk::ImageBase<3>& reference,
                                 const itk::ImageBase<3>& other,
                                 const GridTolerance& tolerance = {});

/// Labels on the CT's grid: returns `labels` unchanged when the grids match; copies them voxel for
/// voxel when they cover the same voxel centres with the axes permuted and/or reversed (and then
/// describes the mapping in `*mapping`, "exact axis permutation/flip (...)"); resamples with
/// nearest neighbour when `resample` is set; otherwise throws InputError naming `labelsPath`.
LabelImage::Pointer labelsOnGrid(const LabelImage::Pointer& labels,
                                 const itk::ImageBase<3>& grid,
                                 const std::string& labelsPath,
                                 bool resample,
                                 std::string* mapping = nullptr);

/// Write an image to `path` atomically (temporary file in the same folder, then rename).
/// The format follows the extension (.nii.gz, .nii, .nrrd, .mha).
void writeImage(const CtImage* image, const std::string& path);
void writeImage(const LabelImage* image, const std::string& path);

/// Write text to `path` atomically.
void writeTextFile(const std::string& path, const std::string& text);

/// The one atomic writer: `write` writes the whole file to the temporary path it is given (a
/// sibling of `path` with the same extension), which then replaces `path` by rename. The folder
/// is created when missing. OutputError naming `path` when `write` throws, leaves no file, or the
/// rename fails; the temporary file is removed. writeImage and writeTextFile use it.
void writeFileAtomically(const std::string& path,
                         const std::function<void(const std::string& temporaryPath)>& write);

/// Check that an image's spacing is finite and positive and its direction invertible.
/// Throws InputError naming `path` otherwise.
void checkGeometry(const itk::ImageBase<3>& image, const std::string& path);

} // namespace liver
