#pragma once
/// JSON documents from untrusted files and answers (result.json, clinical.json, plan.json,
/// landmarks.json, edits.json, pacs-watch.json, a PACS's answers): the one parser every reader
/// uses, with one set of refusals, each an InputError of one short line naming the file.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace liver
{

/// Deepest nesting of arrays and objects an input may have (our documents nest 8 at most).
/// Copying, dumping and comparing a value recurse once per level: 200,000 levels overflowed
/// the stack.
constexpr int MaxJsonDepth = 64;

/// Largest JSON file read: result.json, edits.json, pacs-watch.json, images/index.json (the
/// phantom's result.json with one plan is 30 kB; `decide` read a 53 MiB one in 8 s and 1.3 GB).
constexpr std::uintmax_t MaxJsonFileBytes = std::uintmax_t(64) << 20;

/// Largest hand-written JSON file read: clinical.json, plan.json, landmarks.json, credentials,
/// a batch's status.json (each is a few kB).
constexpr std::uintmax_t MaxSmallJsonFileBytes = std::uintmax_t(1) << 20;

/// `text` as one JSON value, read from `where` (a file or URL) that should hold a `kind` (a
/// noun: "result file", "plan file"). A UTF-8 byte order mark is skipped. InputError(where, ..):
/// - "empty (not a KIND)" for no text or only white space;
/// - "not JSON (line L, column C: REASON)", nlohmann's reason without the token it echoes (as
///   long as the file);
/// - "not JSON (line L, column C: a number out of range)" for a number beyond a double (1e400);
/// - "nested deeper than 64 levels (not a KIND)";
/// - "PATH: given twice" for a key repeated in one object (which value counts would be a guess),
///   PATH as "plans[0].name".
nlohmann::json parseJsonInput(const std::string& text,
                              const std::string& where,
                              const std::string& kind);

/// The bytes of file `path`, which should hold a `kind`, read up to `maxBytes`. InputError(path,
/// ..): "cannot read the KIND (REASON)", "is a folder, not a KIND", "larger than N MiB (not a
/// KIND)" (refused before reading it: a 2 GB file is never read into memory).
std::string readJsonInputFile(const std::string& path,
                              const std::string& kind,
                              std::uintmax_t maxBytes);

/// parseJsonInput(readJsonInputFile(path, kind, maxBytes), path, kind).
nlohmann::json loadJsonInput(const std::string& path,
                             const std::string& kind,
                             std::uintmax_t maxBytes);

/// `value` for a message: its JSON text on one line, cut at 64 bytes ("..." added).
std::string jsonExcerpt(const nlohmann::json& value);

/// Text from a file or a command line for a message: as it is when it is at most 64 printable
/// ASCII characters, otherwise JSON-escaped (\n, \u00e9) and cut at 64 bytes ("..." added), so a
/// message stays one short line.
std::string messageText(const std::string& text);

/// `key` for a message path: as it is when it is a plain name (letters, digits, _ and -, at
/// most 64), otherwise as a JSON string cut at 64 bytes.
std::string jsonKeyName(const std::string& key);

} // namespace liver
