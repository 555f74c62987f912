/// DICOMweb (QIDO-RS, WADO-RS, STOW-RS) and Orthanc's change log over libcurl.

#include <liver/pacs/dicomweb.h>

#include <liver/imaging/errors.h>
#include <liver/imaging/io.h>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cctype>
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

/// The first value of DICOM JSON attribute `tag` ("0020000E") as text, or "".
std::string jsonValue(const json& dataset, const char* tag)
{
  if (!dataset.is_object() || !dataset.contains(tag))
    return "";
  const json& value = dataset.at(tag).value("Value", json::array());
  if (!value.is_array() || value.empty())
    return "";
  if (value[0].is_string())
    return value[0].get<std::string>();
  if (value[0].is_number())
    return value[0].dump();
  return "";
}

json parseJson(const HttpResponse& r, const std::string& url)
{
  try
  {
    return r.body.empty() ? json() : json::parse(r.body);
  }
  catch (const json::exception&)
  {
    throw ProcessingError(url + ": the server's answer is not JSON");
  }
}

} // namespace

void checkUid(const std::string& uid, const std::string& what)
{
  bool ok = !uid.empty() && uid.size() <= 64;
  for (char c : uid)
    ok = ok && ((c >= '0' && c <= '9') || c == '.');
  if (!ok)
    throw InputError("", what + " \"" + uid + "\" is not a DICOM UID (1-64 digits and dots)");
}

Credentials loadCredentials(const std::string& file)
{
  Credentials c;
  if (!file.empty())
  {
    json j;
    try
    {
      j = json::parse(readFile(file));
    }
    catch (const json::exception&)
    {
      throw InputError(file,
                       "not JSON (expected {\"username\": ..., \"password\": ...} or "
                       "{\"token\": ...})");
    }
    if (!j.is_object())
      throw InputError(file, "not a JSON object");
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
    throw ProcessingError("multipart answer without a boundary (Content-Type: " + contentType +
                          ")");
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

namespace
{

/// The tag as DICOM JSON names it ("0020000D").
std::string tagKey(Tag tag)
{
  char text[16];
  std::snprintf(text, sizeof text, "%08X", static_cast<unsigned>(tag));
  return text;
}

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
    const int page = 100;
    std::vector<Attributes> answers;
    for (int offset = 0;; offset += page)
    {
      const std::string url = m_baseUrl + path + "?" + parameters +
                              "limit=" + std::to_string(page) + "&offset=" + std::to_string(offset);
      const HttpResponse r = m_http.get(url, "application/dicom+json", true);
      if (r.status == 404 || r.status == 204 || r.body.empty())
        break;
      const json list = parseJson(r, url);
      if (!list.is_array())
        throw ProcessingError(url + ": QIDO-RS answer is not a JSON array");
      for (const json& item : list)
      {
        answers.push_back(
          answerOf(query, [&](Tag tag) { return jsonValue(item, tagKey(tag).c_str()); }));
      }
      if (list.size() < static_cast<std::size_t>(page))
        break;
    }
    return answers;
  }

  std::size_t retrieve(const std::string& studyUid,
                       const std::string& seriesUid,
                       const std::string& folder) const override
  {
    const std::string url = m_baseUrl + "/studies/" + studyUid + "/series/" + seriesUid;
    const HttpResponse r = m_http.get(url, "multipart/related; type=\"application/dicom\"");
    const std::vector<MultipartPart> parts = parseMultipart(r.contentType, r.body);
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
    StoreResult result;
    const json answer = parseJson(r, url);
    // PS3.18 STOW-RS response: ReferencedSOPSequence (0008,1199), FailedSOPSequence (0008,1198).
    auto items = [&](const char* tag)
    {
      return answer.is_object() && answer.contains(tag)
               ? answer.at(tag).value("Value", json::array())
               : json::array();
    };
    result.stored = items("00081199").size();
    for (const json& failed : items("00081198"))
      result.failures.push_back(jsonValue(failed, "00081155") + ": failure reason " +
                                jsonValue(failed, "00081197"));
    if (result.stored + result.failures.size() == 0)
      result.stored = r.status == 200 ? files.size() : 0;
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
  const json j = parseJson(http.get(url, "application/json"), url);
  OrthancChanges c;
  try
  {
    for (const json& change : j.at("Changes"))
      c.changes.push_back({ change.at("Seq").get<std::int64_t>(),
                            change.at("ChangeType").get<std::string>(),
                            change.at("ID").get<std::string>() });
    c.last = j.at("Last").get<std::int64_t>();
    c.done = j.at("Done").get<bool>();
  }
  catch (const json::exception& e)
  {
    throw ProcessingError(url + ": not Orthanc's change log: " + e.what());
  }
  return c;
}

std::int64_t orthancLastChange(const HttpClient& http, const std::string& orthancUrl)
{
  const std::string url = orthancUrl + "/changes?last";
  const json j = parseJson(http.get(url, "application/json"), url);
  if (!j.is_object() || !j.contains("Last") || !j.at("Last").is_number_integer())
    throw ProcessingError(url + ": not Orthanc's change log");
  return j.at("Last").get<std::int64_t>();
}

std::string orthancStudyUid(const HttpClient& http,
                            const std::string& orthancUrl,
                            const std::string& id)
{
  for (char c : id)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-')
      throw ProcessingError("Orthanc study id \"" + id + "\" is not an Orthanc id");
  const std::string url = orthancUrl + "/studies/" + id;
  const json j = parseJson(http.get(url, "application/json"), url);
  const std::string uid =
    j.is_object()
      ? j.value("MainDicomTags", json::object()).value("StudyInstanceUID", std::string())
      : "";
  checkUid(uid, "Orthanc study " + id + ": StudyInstanceUID");
  return uid;
}

} // namespace liver::pacs
