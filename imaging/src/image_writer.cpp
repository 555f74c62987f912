/// Atomic writers: every output goes to a temporary file in its folder and is renamed into place,
/// so a failure never leaves a partial file under the final name.

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <itkImageFileWriter.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace liver
{
namespace
{

/// A sibling temporary path that keeps the extension (ITK picks the format by extension).
fs::path temporarySibling(const fs::path& target)
{
  static std::mt19937_64 rng{ std::random_device{}() ^ static_cast<unsigned long>(getpid()) };
  const std::string name = target.filename().string();
  return target.parent_path() / (".tmp-" + std::to_string(rng() % 1000000000ULL) + "-" + name);
}

void ensureParent(const fs::path& target)
{
  const fs::path parent = target.parent_path();
  if (parent.empty())
    return;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec)
    throw OutputError(parent.string() + ": cannot create folder: " + ec.message());
}

void commit(const fs::path& temporary, const fs::path& target)
{
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec)
  {
    fs::remove(temporary, ec);
    throw OutputError(target.string() + ": cannot write: " + ec.message());
  }
}

/// gzip `source` into `target` at the fastest level. ITK 5.2's NIfTI writer always uses zlib's
/// default level, about five times slower on noisy CT (13.6 s vs 2.8 s for a 512x512x300
/// phantom) for files only ~2 % smaller.
void gzipFast(const fs::path& source, const fs::path& target)
{
  std::ifstream in(source, std::ios::binary);
  gzFile out = gzopen(target.c_str(), "wb1");
  if (!in || out == nullptr)
  {
    if (out != nullptr)
      gzclose(out);
    throw OutputError(target.string() + ": cannot open for writing");
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  while (ok && in)
  {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<unsigned>(in.gcount());
    ok = n == 0 || gzwrite(out, buffer.data(), n) == static_cast<int>(n);
  }
  ok = gzclose(out) == Z_OK && ok && in.eof();
  if (!ok)
    throw OutputError(target.string() + ": cannot write compressed data");
}

bool endsWith(const std::string& s, const std::string& suffix)
{
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

template<typename TImage>
void writeImageAtomic(const TImage* image, const std::string& path)
{
  if (image == nullptr)
    throw std::invalid_argument("writeImage: null image for " + path);
  const fs::path target(path);
  ensureParent(target);
  const fs::path temporary = temporarySibling(target);
  const bool niftiGz = endsWith(path, ".nii.gz");
  // For .nii.gz, ITK writes a plain .nii beside it that we compress ourselves.
  const fs::path written =
    niftiGz ? fs::path(temporary.string().substr(0, temporary.string().size() - 3)) : temporary;
  std::error_code ec;
  try
  {
    auto writer = itk::ImageFileWriter<TImage>::New();
    writer->SetInput(image);
    writer->SetFileName(written.string());
    writer->SetUseCompression(!niftiGz);
    writer->Update();
    if (niftiGz)
    {
      gzipFast(written, temporary);
      fs::remove(written, ec);
    }
  }
  catch (const itk::ExceptionObject& e)
  {
    fs::remove(written, ec);
    fs::remove(temporary, ec);
    throw OutputError(path + ": cannot write image: " + e.GetDescription());
  }
  catch (const OutputError&)
  {
    fs::remove(written, ec);
    fs::remove(temporary, ec);
    throw;
  }
  commit(temporary, target);
}

} // namespace

void writeImage(const CtImage* image, const std::string& path)
{
  writeImageAtomic(image, path);
}

void writeImage(const LabelImage* image, const std::string& path)
{
  writeImageAtomic(image, path);
}

void writeFileAtomically(const std::string& path,
                         const std::function<void(const std::string& temporaryPath)>& write)
{
  const fs::path target(path);
  ensureParent(target);
  const fs::path temporary = temporarySibling(target);
  std::error_code ec;
  try
  {
    write(temporary.string());
  }
  catch (const OutputError&)
  {
    fs::remove(temporary, ec);
    throw;
  }
  catch (const std::exception& e)
  {
    fs::remove(temporary, ec);
    throw OutputError(path + ": cannot write: " + e.what());
  }
  if (!fs::exists(temporary, ec))
    throw OutputError(path + ": cannot write file");
  commit(temporary, target);
}

void writeTextFile(const std::string& path, const std::string& text)
{
  writeFileAtomically(path,
                      [&](const std::string& temporary)
                      {
                        std::ofstream out(temporary, std::ios::binary);
                        out << text;
                        out.flush();
                        if (!out)
                          throw OutputError(path + ": cannot write file");
                      });
}

} // namespace liver
