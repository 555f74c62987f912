#include <liver/imaging/errors.h>
#include <liver/imaging/safe_path.h>

#include <cstdio>

namespace fs = std::filesystem;

namespace liver
{

std::uint64_t stableHash(const std::string& text)
{
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text)
  {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool isSafeUid(const std::string& value)
{
  if (value.empty() || value.size() > 64 || value == "." || value == "..")
    return false;
  for (char c : value)
    if (!(c == '.' || (c >= '0' && c <= '9')))
      return false;
  return true;
}

std::string safePathComponent(const std::string& value)
{
  if (isSafeUid(value))
    return value;
  std::string prefix;
  for (char c : value)
  {
    if (prefix.size() >= 40)
      break;
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (plain || (c == '.' && !prefix.empty() && prefix.back() != '.'))
      prefix += c;
    else if (!prefix.empty() && prefix.back() != '_')
      prefix += '_';
  }
  char hash[16];
  std::snprintf(
    hash, sizeof hash, "%012llx", static_cast<unsigned long long>(stableHash(value) >> 16));
  return (prefix.empty() ? std::string("x") : prefix) + "-" + hash;
}

std::string fileNameSlug(const std::string& name, const std::string& fallback)
{
  std::string s;
  for (char c : name)
  {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      s += c;
    else if (c >= 'A' && c <= 'Z')
      s += static_cast<char>(c - 'A' + 'a');
    else if (!s.empty() && s.back() != '-')
      s += '-';
  }
  while (!s.empty() && s.back() == '-')
    s.pop_back();
  if (s.size() > 60)
    s.resize(60);
  return s.empty() ? fallback : s;
}

fs::path resolveInside(const fs::path& root, const fs::path& relative)
{
  if (relative.is_absolute())
    return {};
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec)
    return {};
  fs::path target = fs::weakly_canonical(base / relative, ec);
  if (ec)
    return {};
  // A dangling symlink is not followed by weakly_canonical: follow it by hand.
  for (int hops = 0; fs::is_symlink(fs::symlink_status(target, ec)); ++hops)
  {
    if (hops == 40)
      return {};
    const fs::path pointee = fs::read_symlink(target, ec);
    target = fs::weakly_canonical(target.parent_path() / pointee, ec);
    if (ec)
      return {};
  }
  // Component-wise prefix comparison ("/out2" is not inside "/out").
  auto b = base.begin(), t = target.begin();
  for (; b != base.end(); ++b, ++t)
    if (b->empty() && std::next(b) == base.end())
      break; // a trailing separator
    else if (t == target.end() || *b != *t)
      return {};
  return target;
}

fs::path outputPathInside(const fs::path& root, const fs::path& relative)
{
  if (resolveInside(root, relative).empty())
    throw OutputError((root / relative).string() + ": leaves the output folder " + root.string() +
                      " (a '..', an absolute path or a symlink pointing elsewhere); nothing "
                      "written there");
  return root / relative;
}

} // namespace liver
