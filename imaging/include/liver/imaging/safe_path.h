#pragma once
/// Turning values that come from data (UIDs, patient IDs, descriptions, plan names) into path
/// components, and keeping every write inside the output folder a user chose.

#include <cstdint>
#include <filesystem>
#include <string>

namespace liver
{

/// FNV-1a 64: a hash that is the same on every machine and run (std::hash is not).
std::uint64_t stableHash(const std::string& text);

/// A DICOM UID usable as it is as one path component: 1..64 characters of [0-9.], not "." or "..".
bool isSafeUid(const std::string& value);

/// One path component for a value from data: a UID that passes `isSafeUid` unchanged; anything
/// else a readable prefix (at most 40 characters of [A-Za-z0-9_-], '.' kept inside) + "-" + the
/// first 12 hex digits of its stableHash. Never empty, ".", "..", hidden, or containing '/'; two
/// different values never give the same name unless their hashes collide.
std::string safePathComponent(const std::string& value);

/// A file-name-safe lower-case form of a name ("Right hemi + S1" -> "right-hemi-s1"), at most 60
/// characters of [a-z0-9-]; `fallback` when nothing is left.
std::string fileNameSlug(const std::string& name, const std::string& fallback);

/// `relative` resolved inside `root` (symlinks already present followed, ".." folded) when it
/// stays inside `root` (also resolved); otherwise an empty path. Nothing is created.
std::filesystem::path resolveInside(const std::filesystem::path& root,
                                    const std::filesystem::path& relative);

/// `root / relative` for writing: throws OutputError naming both when the path leaves `root`,
/// by "..", an absolute path, or a symlink inside `root` that points elsewhere.
std::filesystem::path outputPathInside(const std::filesystem::path& root,
                                       const std::filesystem::path& relative);

} // namespace liver
