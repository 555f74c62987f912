#pragma once
/// Checks that image readers skip: a file that ends before its voxel data does.

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
