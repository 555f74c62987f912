/// DICOMweb (QIDO-RS, WADO-RS, STOW-RS) and Orthanc's change log over libcurl.

#include <liver/pacs/dicomweb.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>
#include <liver/imaging/json_input.h>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>

namespace liver::pacs
{
namespace
{

namespace fs = std::filesystem;
using nlohmann::json;

std::string readFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(path, "cannot be read");
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

std::string envOr(const char* name)
{
  const char* value = std::getenv(name);
  return value ? value : "";
}

void curlInitOnce()
{
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* out)
{
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t readHeader(char* data, std::size_t size, std::size_t count, void* out)
{
  const std::string line(data, size * count);
  const std::string key = "content-type:";
  if (line.size() > key.size())
  {
    std::string start = line.substr(0, key.size());
    for (char& c : start)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (start == key)
    {
      std::string value = line.substr(key.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
        value.pop_back();
      *static_cast<std::string*>(out) = value;
    }
  }
  return size * count;
}

/// The value of parameter `name` in a header value ("multipart/related; boundary=..."), unquoted.
std::string headerParameter(const std::string& header, const std::string& name)
{
  std::string lower = header;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t at = 0;
  while ((at = lower.find(name + "=", at)) != std::string::npos)
  {
    if (at == 0 || lower[at - 1] == ';' || lower[at - 1] == ' ')
      break;
    at += name.size();
  }
  if (at == std::string::npos)
    return "";
  at += name.size() + 1;
  if (at < header.size() && header[at] == '"')
  {
    const std::size_t end = header.find('"', at + 1);
    return end == std::string::npos ? "" : header.substr(at + 1, end - at - 1);
  }
  const std::size_t end = header.find(';', at);
  std::string value = header.substr(at, end == std::string::npos ? std::string::npos : end - at);
  while (!value.empty() && value.back() == ' ')
    value.pop_back();
  return value;
}

/// The tag as DICOM JSON names it ("0020000D").
std::string tagKey(Tag tag)
{
  char text[16];
  std::snprintf(text, sizeof text, "%08X", static_cast<unsigned>(tag));
  return text;
}

/// What a JSON value is, for messages: its type, or the number itself.
std::string kindOf(const json& value)
{
  return value.is_number() ? value.dump() : std::string(value.type_name());
}

/// `body` as JSON: a ProcessingError (the server's fault, exit code 3) "URL: not JSON (line L,
/// column C: REASON)", "URL: empty (not a PACS answer)", "URL: nested deeper than 64 levels (not
/// a PACS answer)" or "URL: KEY: given twice" (parseJsonInput).
json parseBody(const std::string& body, const std::string& url)
{
  try
  {
    return parseJsonInput(body, url, "PACS answer");
  }
  catch (const InputError& e)
  {
    throw ProcessingError(e.what());
  }
}

/// The values of DICOM JSON attribute `tag` of `dataset` (PS3.18 F.2) as text: "" when absent,
/// without "Value" or with "Value": []; strings as they are, the numbers of a numeric attribute
/// as JSON writes them (counts in decimal), null as ""; several values joined by backslashes (as
/// DIMSE gives them). ProcessingError "WHERE: KEYWORD (TAG): problem" for anything else.
std::string attributeText(const json& dataset, Tag tag, const std::string& where)
{
  const std::string key = tagKey(tag);
  const auto fail = [&](const std::string& problem)
  { throw ProcessingError(where + tagName(tag) + ": " + problem); };
  if (!dataset.contains(key))
    return "";
  const json& attribute = dataset.at(key);
  if (!attribute.is_object())
    fail("must be an object {\"vr\": ..., \"Value\": [...]}, not " + kindOf(attribute));
  if (!attribute.contains("Value"))
  {
    for (const char* other : { "BulkDataURI", "InlineBinary" })
      if (attribute.contains(other))
        fail(std::string("given as ") + other + ", not as Value");
    return "";
  }
  const json& values = attribute.at("Value");
  if (!values.is_array())
    fail("Value must be an array, not " + kindOf(values));
  // IS, US: JSON numbers (or, from some servers, strings); every other attribute asked for is
  // text (UI, DA, CS, LO).
  const bool numeric = tag == 0x00201208 || tag == 0x00201209 || tag == 0x00081197;
  std::string text;
  for (std::size_t k = 0; k < values.size(); ++k)
  {
    const json& v = values[k];
    if (k > 0)
      text += '\\';
    if (v.is_string())
      text += v.get<std::string>();
    else if (v.is_number() && numeric)
      text += v.dump();
    else if (!v.is_null())
      fail("Value[" + std::to_string(k) + "] must be a string" + (numeric ? " or a number" : "") +
           ", not " + kindOf(v));
  }
  return text;
}

/// The items of sequence attribute `tag` of `dataset` (absent, no "Value" or []: none), not
/// copied (a copy recurses as deep as an item is nested). ProcessingError as attributeText.
const json& sequenceItems(const json& dataset, Tag tag, const std::string& where)
{
  const std::string key = tagKey(tag);
  const auto fail = [&](const std::string& problem)
  { throw ProcessingError(where + tagName(tag) + ": " + problem); };
  static const json none = json::array();
  if (!dataset.contains(key))
    return none;
  const json& attribute = dataset.at(key);
  if (!attribute.is_object())
    fail("must be an object {\"vr\": \"SQ\", \"Value\": [...]}, not " + kindOf(attribute));
  if (!attribute.contains("Value"))
    return none;
  const json& values = attribute.at("Value");
  if (!values.is_array())
    fail("Value must be an array, not " + kindOf(values));
  for (std::size_t k = 0; k < values.size(); ++k)
    if (!values[k].is_object())
      fail("Value[" + std::to_string(k) + "] must be an object (a sequence item), not " +
           kindOf(values[k]));
  return values;
}

/// What a member of an Orthanc answer must be: the test and its name in messages.
struct Kind
{
  bool (json::*is)() const noexcept;
  const char* name; ///< "a string", ...
};
constexpr Kind AString{ &json::is_string, "a string" };
constexpr Kind AnArray{ &json::is_array, "an array" };
constexpr Kind AnObject{ &json::is_object, "an object" };
constexpr Kind ABoolean{ &json::is_boolean, "true or false" };

/// Member `key` of `j` (an object); ProcessingError "WHEREKEY: missing", or "WHEREKEY: must be
/// KIND, not ..." when `kind` is given and it is of another kind.
const json& member(const json& j,
                   const std::string& key,
                   const std::string& where,
                   const Kind* kind = nullptr)
{
  if (!j.contains(key))
    throw ProcessingError(where + key + ": missing");
  const json& value = j.at(key);
  if (kind && !(value.*(kind->is))())
    throw ProcessingError(where + key + ": must be " + kind->name + ", not " + kindOf(value));
  return value;
}

/// Member `key` of `j` (an object) as an integer 0..INT64_MAX; ProcessingError "WHEREKEY: ...".
std::int64_t nonNegative(const json& j, const std::string& key, const std::string& where)
{
  const json& value = member(j, key, where);
  const bool ok = value.is_number_unsigned()
                    ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)
                    : value.is_number_integer() && value.get<std::int64_t>() >= 0;
  if (!ok)
    throw ProcessingError(where + key + ": must be an integer from 0 to " +
                          std::to_string(INT64_MAX) + ", not " + kindOf(value));
  return value.get<std::int64_t>();
}

/// Orthanc's answer `body` as a JSON object; ProcessingError "URL: not WHAT: ..." otherwise.
json orthancObject(const std::string& body, const std::string& url, const std::string& what)
{
  json j = parseBody(body, url); // moved out, not copied (a copy recurses)
  if (!j.is_object())
    throw ProcessingError(url + ": not " + what + ": must be a JSON object, not " + kindOf(j));
  return j;
}

} // namespace

void checkUid(const std::string& uid, const std::string& what)
{
  bool ok = !uid.empty() && uid.size() <= 64;
  for (char c : uid)
    ok = ok && ((c >= '0' && c <= '9') || c == '.');
  if (!ok)
    throw InputError("",
                     what + " " + quotedValue(uid) + " is not a DICOM UID (1-64 digits and dots)");
}

Credentials loadCredentials(const std::string& file)
{
  Credentials c;
  if (!file.empty())
  {
    // Messages never quote the file's values (a password).
    const json j = loadJsonInput(file, "credentials file", MaxSmallJsonFileBytes);
    if (!j.is_object())
      throw InputError(file,
                       "must be a JSON object {\"username\": ..., \"password\": ...} or "
                       "{\"token\": ...}, not " +
                         std::string(j.type_name()));
    auto text = [&](const char* key)
    {
      if (!j.contains(key))
        return std::string();
      if (!j.at(key).is_string())
        throw InputError(file, std::string(key) + " must be a string");
      return j.at(key).get<std::string>();
    };
    c.username = text("username");
    c.password = text("password");
    c.bearerToken = text("token");
    if (c.username.empty() && c.bearerToken.empty())
      throw InputError(file, "neither username nor token given");
    return c;
  }
  c.username = envOr("LIVERPLAN_PACS_USER");
  c.password = envOr("LIVERPLAN_PACS_PASSWORD");
  c.bearerToken = envOr("LIVERPLAN_PACS_TOKEN");
  return c;
}

HttpClient::HttpClient(Credentials credentials, TlsOptions tls, long timeoutSeconds)
  : m_credentials(std::move(credentials))
  , m_tls(std::move(tls))
  , m_timeoutSeconds(timeoutSeconds)
{
  curlInitOnce();
}

HttpResponse HttpClient::request(const std::string& method,
                                 const std::string& url,
                                 const std::vector<std::string>& headers,
                                 const std::string* body,
                                 bool allowNotFound) const
{
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl)
    throw ProcessingError("libcurl: cannot start a request");
  CURL* h = curl.get();
  HttpResponse r;
  curl_slist* list = nullptr;
  for (const std::string& header : headers)
    list = curl_slist_append(list, header.c_str());
  std::string bearer;
  if (!m_credentials.bearerToken.empty())
  {
    bearer = "Authorization: Bearer " + m_credentials.bearerToken;
    list = curl_slist_append(list, bearer.c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headerList(list, curl_slist_free_all);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, readHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r.contentType);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, m_timeoutSeconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!m_credentials.username.empty())
  {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, m_credentials.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, m_credentials.password.c_str());
  }
  if (!m_tls.caCert.empty())
    curl_easy_setopt(h, CURLOPT_CAINFO, m_tls.caCert.c_str());
  if (!m_tls.clientCert.empty())
    curl_easy_setopt(h, CURLOPT_SSLCERT, m_tls.clientCert.c_str());
  if (!m_tls.clientKey.empty())
    curl_easy_setopt(h, CURLOPT_SSLKEY, m_tls.clientKey.c_str());
  if (m_tls.insecure)
  {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (body)
  {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK)
    throw ProcessingError(method + " " + url + ": " + curl_easy_strerror(code));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (r.status >= 400 && !(allowNotFound && r.status == 404))
  {
    std::string answer = r.body.substr(0, 200);
    for (char& c : answer)
      if (c == '\n' || c == '\r')
        c = ' ';
    throw ProcessingError(method + " " + url + ": HTTP " + std::to_string(r.status) +
                          (r.status == 401 || r.status == 403
                             ? " (check the credentials: --credentials FILE or "
                               "$LIVERPLAN_PACS_USER/$LIVERPLAN_PACS_PASSWORD)"
                             : "") +
                          (answer.empty() ? "" : ": " + answer));
  }
  return r;
}

CannedHttpClient::CannedHttpClient(Answer answer)
  : HttpClient({}, {})
  , m_answer(std::move(answer))
{
}

HttpResponse CannedHttpClient::request(const std::string& method,
                                       const std::string& url,
                                       const std::vector<std::string>& /*headers*/,
                                       const std::string* /*body*/,
                                       bool /*allowNotFound*/) const
{
  return m_answer(method, url);
}

HttpResponse HttpClient::get(const std::string& url,
                             const std::string& accept,
                             bool allowNotFound) const
{
  return request("GET", url, { "Accept: " + accept }, nullptr, allowNotFound);
}

HttpResponse HttpClient::post(const std::string& url,
                              const std::string& contentType,
                              const std::string& body,
                              const std::string& accept) const
{
  return request(
    "POST", url, { "Content-Type: " + contentType, "Accept: " + accept, "Expect:" }, &body, false);
}

std::vector<MultipartPart> parseMultipart(const std::string& contentType, const std::string& body)
{
  const std::string boundary = headerParameter(contentType, "boundary");
  if (boundary.empty())
    throw ProcessingError("multipart answer without a boundary (Content-Type " +
                          quotedValue(contentType) + ")");
  const std::string delimiter = "--" + boundary;
  std::vector<MultipartPart> parts;
  std::size_t at = body.find(delimiter);
  if (at == std::string::npos)
    throw ProcessingError("multipart answer without its boundary");
  while (true)
  {
    at += delimiter.size();
    if (body.compare(at, 2, "--") == 0)
      return parts; // the closing delimiter
    const std::size_t headersEnd = body.find("\r\n\r\n", at);
    if (headersEnd == std::string::npos)
      throw ProcessingError("multipart part " + std::to_string(parts.size() + 1) +
                            ": headers cut off");
    const std::string headers = body.substr(at, headersEnd - at);
    const std::size_t next = body.find("\r\n" + delimiter, headersEnd + 4);
    if (next == std::string::npos)
      throw ProcessingError("multipart part " + std::to_string(parts.size() + 1) + ": cut off");
    MultipartPart part;
    std::size_t line = 0;
    while (line < headers.size())
    {
      std::size_t end = headers.find("\r\n", line);
      if (end == std::string::npos)
        end = headers.size();
      readHeader(const_cast<char*>(headers.data() + line), 1, end - line, &part.contentType);
      line = end + 2;
    }
    part.body = body.substr(headersEnd + 4, next - headersEnd - 4);
    parts.push_back(std::move(part));
    at = next + 2;
  }
}

std::string buildMultipart(const std::vector<std::string>& parts,
                           const std::string& partType,
                           const std::string& boundary)
{
  std::string body;
  for (const std::string& part : parts)
  {
    if (part.find("--" + boundary) != std::string::npos)
      throw std::invalid_argument("buildMultipart: the boundary occurs in a part");
    body += "--" + boundary + "\r\nContent-Type: " + partType + "\r\n\r\n" + part + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

std::vector<Attributes> parseQidoAnswers(const std::string& body,
                                         const Query& query,
                                         const std::string& url,
                                         std::size_t offset)
{
  const json list = parseBody(body, url);
  if (!list.is_array())
    throw ProcessingError(url + ": QIDO-RS answer must be a JSON array of data sets, not " +
                          kindOf(list));
  std::vector<Attributes> answers;
  for (std::size_t k = 0; k < list.size(); ++k)
  {
    const std::string where = url + ": answer [" + std::to_string(offset + k) + "]: ";
    if (!list[k].is_object())
      throw ProcessingError(where + "must be a JSON object (a DICOM data set), not " +
                            kindOf(list[k]));
    answers.push_back(answerOf(query, [&](Tag tag) { return attributeText(list[k], tag, where); }));
  }
  return answers;
}

StoreResult parseStowAnswer(const std::string& body,
                            long status,
                            std::size_t sent,
                            const std::string& url)
{
  constexpr Tag ReferencedSopSequence = 0x00081199;
  constexpr Tag FailedSopSequence = 0x00081198;
  StoreResult result;
  if (!body.empty())
  {
    const json answer = parseBody(body, url);
    if (!answer.is_object())
      throw ProcessingError(
        url + ": STOW-RS answer must be a JSON object (a DICOM data set), not " + kindOf(answer));
    const std::string where = url + ": ";
    result.stored = sequenceItems(answer, ReferencedSopSequence, where).size();
    if (result.stored > sent)
      throw ProcessingError(where + tagName(ReferencedSopSequence) + ": " +
                            std::to_string(result.stored) + " instances stored, " +
                            std::to_string(sent) + " sent");
    const json& failed = sequenceItems(answer, FailedSopSequence, where);
    for (std::size_t k = 0; k < failed.size(); ++k)
    {
      const std::string item =
        where + tagName(FailedSopSequence) + " [" + std::to_string(k) + "]: ";
      const std::string uid = attributeText(failed[k], 0x00081155, item);
      const std::string reason = attributeText(failed[k], 0x00081197, item);
      bool isUid = true;
      try
      {
        checkUid(uid, "");
      }
      catch (const InputError&)
      {
        isUid = false;
      }
      const bool isCode = !reason.empty() && reason.size() <= 5 &&
                          reason.find_first_not_of("0123456789") == std::string::npos;
      result.failures.push_back((uid.empty() ? std::string("an instance")
                                 : isUid     ? uid
                                             : quotedValue(uid)) +
                                ": failure reason " +
                                (reason.empty() ? std::string("not given")
                                 : isCode       ? reason
                                                : quotedValue(reason)));
    }
  }
  if (result.stored + result.failures.size() == 0)
    result.stored = status == 200 ? sent : 0;
  return result;
}

OrthancChanges parseOrthancChanges(const std::string& body,
                                   std::int64_t since,
                                   const std::string& url)
{
  const json j = orthancObject(body, url, "Orthanc's change log");
  const std::string where = url + ": ";
  const json& list = member(j, "Changes", where, &AnArray);
  OrthancChanges c;
  std::int64_t previous = since;
  for (std::size_t k = 0; k < list.size(); ++k)
  {
    const std::string at = where + "Changes[" + std::to_string(k) + "]";
    const json& change = list[k];
    if (!change.is_object())
      throw ProcessingError(at + ": must be an object, not " + kindOf(change));
    const std::int64_t seq = nonNegative(change, "Seq", at + ".");
    if (seq <= previous)
      throw ProcessingError(at + ".Seq: must be greater than " + std::to_string(previous) +
                            " (changes after " + std::to_string(since) + ", in order), not " +
                            std::to_string(seq));
    previous = seq;
    c.changes.push_back({ seq,
                          member(change, "ChangeType", at + ".", &AString).get<std::string>(),
                          member(change, "ID", at + ".", &AString).get<std::string>() });
  }
  c.last = nonNegative(j, "Last", where);
  c.done = member(j, "Done", where, &ABoolean).get<bool>();
  return c;
}

std::int64_t parseOrthancLastChange(const std::string& body, const std::string& url)
{
  return nonNegative(orthancObject(body, url, "Orthanc's change log"), "Last", url + ": ");
}

std::string parseOrthancStudyUid(const std::string& body, const std::string& url)
{
  const json j = orthancObject(body, url, "an Orthanc study");
  const std::string where = url + ": MainDicomTags";
  const json& tags = member(j, "MainDicomTags", url + ": ", &AnObject);
  const json& uid = member(tags, "StudyInstanceUID", where + ".", &AString);
  try
  {
    checkUid(uid.get<std::string>(), "");
  }
  catch (const InputError&)
  {
    throw ProcessingError(where + ".StudyInstanceUID: " + quotedValue(uid.get<std::string>()) +
                          " is not a DICOM UID (1-64 digits and dots)");
  }
  return uid.get<std::string>();
}

namespace
{

class DicomWebServer final : public Server
{
public:
  DicomWebServer(std::string baseUrl, const HttpClient& http)
    : m_baseUrl(std::move(baseUrl))
    , m_http(http)
  {
    while (!m_baseUrl.empty() && m_baseUrl.back() == '/')
      m_baseUrl.pop_back();
    if (m_baseUrl.rfind("http://", 0) != 0 && m_baseUrl.rfind("https://", 0) != 0)
      throw InputError("", "--server \"" + m_baseUrl + "\" is not an http:// or https:// URL");
  }

  std::string name() const override { return m_baseUrl; }

  /// QIDO-RS, 100 answers at a time: /studies?KEY=VALUE... or, for SERIES,
  /// /studies/{StudyInstanceUID}/series?...; no answers for 404 and 204.
  std::vector<Attributes> find(const Query& query) const override
  {
    std::string path = "/studies";
    std::string parameters;
    for (const QueryKey& key : query.match)
      if (query.level == "SERIES" && key.keyword == "StudyInstanceUID")
      {
        checkUid(key.value, "study");
        path += "/" + key.value + "/series";
      }
      else
        parameters += key.keyword + "=" + key.value + "&";
    for (Tag tag : query.returned)
      parameters += "includefield=" + tagKey(tag) + "&";
    const std::size_t page = 100;
    // A server that ignores `offset` (or makes up answers) would be asked forever.
    const std::size_t most = 1000000;
    std::vector<Attributes> answers;
    for (std::size_t offset = 0;; offset += page)
    {
      const std::string url = m_baseUrl + path + "?" + parameters +
                              "limit=" + std::to_string(page) + "&offset=" + std::to_string(offset);
      const HttpResponse r = m_http.get(url, "application/dicom+json", true);
      if (r.status == 404 || r.status == 204 || r.body.empty())
        break;
      const std::vector<Attributes> list = parseQidoAnswers(r.body, query, url, offset);
      if (offset > 0 && !list.empty() &&
          list == std::vector<Attributes>(answers.end() - page, answers.end()))
        throw ProcessingError(url + ": QIDO-RS answers " + std::to_string(offset) + ".." +
                              std::to_string(offset + page - 1) +
                              " repeat the ones before: the server ignores offset");
      answers.insert(answers.end(), list.begin(), list.end());
      // Fewer than asked: the last page; more: the server ignored limit and gave them all.
      if (list.size() != page)
        break;
      if (answers.size() >= most)
        throw ProcessingError(url + ": more than " + std::to_string(most) + " QIDO-RS answers");
    }
    return answers;
  }

  std::size_t retrieve(const std::string& studyUid,
                       const std::string& seriesUid,
                       const std::string& folder) const override
  {
    const std::string url = m_baseUrl + "/studies/" + studyUid + "/series/" + seriesUid;
    const HttpResponse r = m_http.get(url, "multipart/related; type=\"application/dicom\"");
    std::vector<MultipartPart> parts;
    try
    {
      parts = parseMultipart(r.contentType, r.body);
    }
    catch (const ProcessingError& e)
    {
      throw ProcessingError(url + ": " + e.what());
    }
    fs::create_directories(folder);
    std::size_t n = 0;
    for (const MultipartPart& part : parts)
    {
      char name[32];
      std::snprintf(name, sizeof name, "%05zu.dcm", n++);
      writeFileAtomically((fs::path(folder) / name).string(),
                          [&](const std::string& temporary)
                          {
                            std::ofstream out(temporary, std::ios::binary);
                            out.write(part.body.data(),
                                      static_cast<std::streamsize>(part.body.size()));
                            if (!out)
                              throw OutputError(temporary + ": cannot be written");
                          });
    }
    return n;
  }

  StoreResult storeFiles(const std::string& studyUid,
                         const std::vector<std::string>& files) const override
  {
    std::vector<std::string> parts;
    for (const std::string& file : files)
      parts.push_back(readFile(file));
    std::random_device random;
    std::string boundary = "liverplan-";
    for (int k = 0; k < 4; ++k)
      boundary += std::to_string(random());
    const std::string url = m_baseUrl + "/studies/" + studyUid;
    const HttpResponse r =
      m_http.post(url,
                  "multipart/related; type=\"application/dicom\"; boundary=" + boundary,
                  buildMultipart(parts, "application/dicom", boundary),
                  "application/dicom+json");
    const StoreResult result = parseStowAnswer(r.body, r.status, files.size(), url);
    return result;
  }

private:
  std::string m_baseUrl;
  const HttpClient& m_http;
};

} // namespace

std::unique_ptr<Server> dicomWebServer(const std::string& baseUrl, const HttpClient& http)
{
  return std::make_unique<DicomWebServer>(baseUrl, http);
}

OrthancChanges orthancChanges(const HttpClient& http,
                              const std::string& orthancUrl,
                              std::int64_t since,
                              int limit)
{
  const std::string url =
    orthancUrl + "/changes?since=" + std::to_string(since) + "&limit=" + std::to_string(limit);
  return parseOrthancChanges(http.get(url, "application/json").body, since, url);
}

std::int64_t orthancLastChange(const HttpClient& http, const std::string& orthancUrl)
{
  const std::string url = orthancUrl + "/changes?last";
  return parseOrthancLastChange(http.get(url, "application/json").body, url);
}

std::string orthancStudyUid(const HttpClient& http,
                            const std::string& orthancUrl,
                            const std::string& id)
{
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id)
    ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) || c == '-');
  if (!ok)
    throw ProcessingError(orthancUrl + ": Orthanc study id " + quotedValue(id) +
                          " is not an Orthanc id (hexadecimal digits and dashes)");
  const std::string url = orthancUrl + "/studies/" + id;
  return parseOrthancStudyUid(http.get(url, "application/json").body, url);
}

} // namespace liver::pacs
