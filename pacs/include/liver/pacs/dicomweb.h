#pragma once
/// A DICOMweb client for the PACS round trip (issue 16): QIDO-RS to find a study's series,
/// WADO-RS to retrieve them, STOW-RS to store LiverPlan's SEG/SR/PDF into the study, and Orthanc's
/// /changes feed to notice new studies. HTTP through libcurl; credentials come from a file or the
/// environment, never from the command line; TLS settings are passed through to libcurl.

#include <liver/pacs/server.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace liver::pacs
{

/// HTTP Basic (username and password) or a bearer token; empty = no authentication.
struct Credentials
{
  std::string username;
  std::string password;
  std::string bearerToken;
};

/// Credentials from `file` when given (JSON {"username": ..., "password": ...} or
/// {"token": ...}), else from $LIVERPLAN_PACS_USER / $LIVERPLAN_PACS_PASSWORD or
/// $LIVERPLAN_PACS_TOKEN, else none. InputError naming the file and field when the file is
/// unreadable, not JSON, or has neither a username nor a token.
Credentials loadCredentials(const std::string& file);

/// TLS settings passed to libcurl as given (empty = libcurl's default).
struct TlsOptions
{
  std::string caCert;     ///< CURLOPT_CAINFO: PEM bundle of trusted CAs
  std::string clientCert; ///< CURLOPT_SSLCERT: client certificate (PEM)
  std::string clientKey;  ///< CURLOPT_SSLKEY: its key (PEM)
  bool insecure = false;  ///< skip peer and host verification (testing only)
};

struct HttpResponse
{
  long status = 0;
  std::string contentType;
  std::string body;
};

/// One HTTP connection setup (credentials, TLS, time limit) for many requests. Throws
/// ProcessingError naming the method and URL when the server cannot be reached, and for an HTTP
/// status >= 400 (with the start of the server's answer), except 404 when `allowNotFound`.
class HttpClient
{
public:
  HttpClient(Credentials credentials, TlsOptions tls, long timeoutSeconds = 300);
  HttpResponse get(const std::string& url,
                   const std::string& accept,
                   bool allowNotFound = false) const;
  HttpResponse post(const std::string& url,
                    const std::string& contentType,
                    const std::string& body,
                    const std::string& accept) const;

private:
  HttpResponse request(const std::string& method,
                       const std::string& url,
                       const std::vector<std::string>& headers,
                       const std::string* body,
                       bool allowNotFound) const;
  Credentials m_credentials;
  TlsOptions m_tls;
  long m_timeoutSeconds;
};

/// One part of a multipart/related body.
struct MultipartPart
{
  std::string contentType;
  std::string body;
};

/// The parts of a multipart body whose Content-Type header is `contentType` (its boundary
/// parameter, quoted or not). ProcessingError when the boundary is missing or the body is cut off.
std::vector<MultipartPart> parseMultipart(const std::string& contentType, const std::string& body);

/// A multipart/related body of `parts`, each with Content-Type `partType`, separated by
/// `boundary` (which must not occur in any part).
std::string buildMultipart(const std::vector<std::string>& parts,
                           const std::string& partType,
                           const std::string& boundary);

/// A DICOMweb service at `baseUrl` (e.g. http://pacs:8042/dicom-web): QIDO-RS
/// (/studies?StudyDate=...&ModalitiesInStudy=..., /studies/{uid}/series; 100 answers at a time,
/// limit and offset), WADO-RS /studies/{study}/series/{series} (each instance written as
/// NNNNN.dcm), STOW-RS /studies/{uid}. `http` must outlive the server. InputError when `baseUrl`
/// is not an http:// or https:// URL.
std::unique_ptr<Server> dicomWebServer(const std::string& baseUrl, const HttpClient& http);

/// Orthanc's change log (REST API at `orthancUrl`, e.g. http://pacs:8042).
struct OrthancChange
{
  std::int64_t seq = 0;
  std::string changeType; ///< "StableStudy", "NewInstance", ...
  std::string id;         ///< Orthanc's resource id
};

struct OrthancChanges
{
  std::vector<OrthancChange> changes;
  std::int64_t last = 0;
  bool done = true;
};

/// GET /changes?since=S&limit=L.
OrthancChanges orthancChanges(const HttpClient& http,
                              const std::string& orthancUrl,
                              std::int64_t since,
                              int limit = 100);

/// The sequence number of the newest change (GET /changes?last).
std::int64_t orthancLastChange(const HttpClient& http, const std::string& orthancUrl);

/// The StudyInstanceUID of Orthanc study `id` (GET /studies/{id}).
std::string orthancStudyUid(const HttpClient& http,
                            const std::string& orthancUrl,
                            const std::string& id);

/// A DICOM UID as it may go into a URL: 1..64 characters of digits and dots. InputError naming
/// `what` otherwise.
void checkUid(const std::string& uid, const std::string& what);

} // namespace liver::pacs
