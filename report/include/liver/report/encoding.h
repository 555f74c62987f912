#pragma once
/// The report's hashing and encoding helpers: SHA-256 of the inputs (provenance), Base64 of the
/// embedded images, HTML escaping of every text.

#include <string>

namespace liver::report
{

/// SHA-256 (FIPS 180-4) of `bytes` as 64 lowercase hex digits.
std::string sha256Hex(const std::string& bytes);

/// SHA-256 of a file's content, read in blocks. Throws InputError naming the file when it cannot
/// be read.
std::string sha256File(const std::string& path);

/// Base64 (RFC 4648, with padding) of `bytes`.
std::string base64Encode(const std::string& bytes);

/// `text` with & < > " ' replaced by character references.
std::string htmlEscape(const std::string& text);

} // namespace liver::report
