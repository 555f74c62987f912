#pragma once
/// Checks that image readers skip: a file that ends before its voxel data does, a header that
/// lies about spacing, size or type.

#include <cstdint>
#include <string>

namespace liver::detail
{

/// Throws InputError naming `path` when a NIfTI file (.nii or .nii.gz) holds fewer bytes than
/// its header's vox_offset plus `dataBytes`, or its gzip stream is corrupt. ITK's NIfTI reader
/// accepts such files silently and leaves the missing voxels undefined.
void checkNiftiComplete(const std::string& path, std::uint64_t dataBytes);

} // namespace liver::detail

namespace liver::detail
{

/// Throws InputError naming `path` when a MetaImage (.mha/.mhd) holds fewer data bytes than its
/// header promises (CompressedDataSize, or `dataBytes` when uncompressed). MetaIO does not check.
void checkMetaImageComplete(const std::string& path, std::uint64_t dataBytes);

} // namespace liver::detail

namespace itk
{
class ImageIOBase;
}

namespace liver::detail
{

/// Run the completeness check that fits the reader ITK chose for `path` (NIfTI, MetaImage);
/// NRRD's reader checks by itself.
void checkImageFileComplete(const std::string& path, const itk::ImageIOBase& io);

} // namespace liver::detail

namespace liver::detail
{

/// Most voxels an image file may claim (2^30, e.g. 1024 x 1024 x 1024): a header claiming more is
/// refused before any reader allocates memory for it.
constexpr std::uint64_t MaxImageVoxels = std::uint64_t{ 1 } << 30;

/// Validate the header of a NIfTI-1/2 (.nii, .nii.gz), NRRD (.nrrd, .nhdr) or MetaImage (.mha,
/// .mhd) file before ITK reads it: dimensions (1..MaxImageVoxels voxels), pixel type, spacing of
/// every spatial axis (finite and > 0; ITK reads a NIfTI pixdim of 0 or NaN as 1 mm), vox_offset,
/// the data file (regular, beside the header) and that the file holds the voxels it claims.
/// Throws InputError naming `path` and the field. Other extensions are left to their readers.
void checkImageHeader(const std::string& path);

} // namespace liver::detail
