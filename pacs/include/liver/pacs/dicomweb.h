#pragma once
/// A DICOMweb client for the PACS round trip (issue 16): QIDO-RS to find a study's series,
/// WADO-RS to retrieve them, STOW-RS to store LiverPlan's SEG/SR/PDF into the study, and Orthanc's
/// /changes feed to notice new studies. HTTP through libcurl; credentials come from a file or the
/// environment, never from the command line; TLS settings are passed through to libcurl.

#include <liver/pacs/server.h>

#include <cstdint>
#include <functional>
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
  virtual ~HttpClient() = default;
  HttpResponse get(const std::string& url,
                   const std::string& accept,
                   bool allowNotFound = false) const;
  HttpResponse post(const std::string& url,
                    const std::string& contentType,
                    const std::string& body,
                    const std::string& accept) const;

protected:
  /// One exchange (libcurl); a test's stand-in for a server overrides it.
  virtual HttpResponse request(const std::string& method,
                               const std::string& url,
                               const std::vector<std::string>& headers,
                               const std::string* body,
                               bool allowNotFound) const;

private:
  Credentials m_credentials;
  TlsOptions m_tls;
  long m_timeoutSeconds;
};

/// An HttpClient that asks no server: `answer` gives the response to each method and URL, as
/// it is (no status is an error). For tests and the pacs_dicomweb fuzzer.
class CannedHttpClient : public HttpClient
{
public:
  using Answer = std::function<HttpResponse(const std::string& method, const std::string& url)>;
  explicit CannedHttpClient(Answer answer);

protected:
  HttpResponse request(const std::string& method,
                       const std::string& url,
                       const std::vector<std::string>& headers,
                       const std::string* body,
                       bool allowNotFound) const override;

private:
  Answer m_answer;
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

/// What a server answers, read without a network (the clients below call these; so do the tests
/// and the pacs_dicomweb fuzzer). Every malformed answer is a ProcessingError (exit code 3) of one
/// line that starts with the URL asked and names the field: "URL: answer [2]: StudyInstanceUID
/// (0020000D): Value[0] must be a string or a number, not object". An answer that is not JSON:
/// "URL: the server's answer is not JSON (syntax error at byte N)".

/// One page of QIDO-RS answers (a DICOM JSON array of data sets, PS3.18 F.2), its first answer
/// numbered `offset`: for each, the attributes `query` names as text. An attribute absent, without
/// "Value" or with "Value": [] is empty; strings as given, numbers as JSON writes them (counts in
/// decimal), null as empty; several values joined by backslashes as DIMSE gives them. Refused:
/// an answer that is not an array of objects, an attribute that is not an object, a "Value" that
/// is not an array, a value that is an object, array or boolean (a PersonName object where text
/// is asked for), BulkDataURI or InlineBinary instead of a Value. What the values mean is
/// checked by Server::findStudies and Server::studySeries.
std::vector<Attributes> parseQidoAnswers(const std::string& body,
                                         const Query& query,
                                         const std::string& url,
                                         std::size_t offset = 0);

/// A STOW-RS answer to `sent` instances (a DICOM JSON data set): the instances of its
/// ReferencedSOPSequence (0008,1199) stored, each item of FailedSOPSequence (0008,1198) a failure
/// "SOPInstanceUID: failure reason N". An empty answer, or one naming no instance, means all
/// stored for HTTP 200 and none otherwise. Refused as parseQidoAnswers, and more instances
/// stored than sent.
StoreResult parseStowAnswer(const std::string& body,
                            long status,
                            std::size_t sent,
                            const std::string& url);

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

/// Orthanc's answer to GET /changes?since=`since`: {"Changes": [{"Seq", "ChangeType", "ID"}...],
/// "Last", "Done"}. Refused (ProcessingError "URL: FIELD: problem"): a member missing or of
/// another type, a Seq or Last that is not an integer 0..2^63-1, Seqs not increasing after
/// `since`.
OrthancChanges parseOrthancChanges(const std::string& body,
                                   std::int64_t since,
                                   const std::string& url);

/// Orthanc's answer to GET /changes?last: its "Last" (an integer 0..2^63-1).
std::int64_t parseOrthancLastChange(const std::string& body, const std::string& url);

/// Orthanc's answer to GET /studies/{id}: MainDicomTags.StudyInstanceUID, a DICOM UID.
std::string parseOrthancStudyUid(const std::string& body, const std::string& url);

/// GET /changes?since=S&limit=L.
OrthancChanges orthancChanges(const HttpClient& http,
                              const std::string& orthancUrl,
                              std::int64_t since,
                              int limit = 100);

/// The sequence number of the newest change (GET /changes?last).
std::int64_t orthancLastChange(const HttpClient& http, const std::string& orthancUrl);

/// The StudyInstanceUID of Orthanc study `id` (GET /studies/{id}); ProcessingError for an `id`
/// that is not an Orthanc id (from the change log: 1-64 hexadecimal digits and dashes).
std::string orthancStudyUid(const HttpClient& http,
                            const std::string& orthancUrl,
                            const std::string& id);

/// A DICOM UID as it may go into a URL: 1..64 characters of digits and dots. InputError naming
/// `what` otherwise.
void checkUid(const std::string& uid, const std::string& what);

} // namespace liver::pacs
