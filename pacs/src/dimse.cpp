/// DIMSE (C-FIND, C-GET, C-STORE) through DCMTK's DcmSCU.

#include <liver/pacs/dimse.h>

#include <liver/imaging/errors.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

namespace liver::pacs
{
namespace
{

namespace fs = std::filesystem;

/// The storage classes C-GET may send back: what a CT study and its segmentations are.
const char* const RetrievedClasses[] = { UID_CTImageStorage,
                                         UID_EnhancedCTImageStorage,
                                         UID_LegacyConvertedEnhancedCTImageStorage,
                                         UID_SegmentationStorage };

OFList<OFString> uncompressed()
{
  OFList<OFString> syntaxes;
  syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
  syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
  return syntaxes;
}

std::string hex16(Uint16 value)
{
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", static_cast<unsigned>(value));
  return text;
}

std::string stringOf(DcmItem& item, const DcmTagKey& tag)
{
  OFString value;
  item.findAndGetOFString(tag, value);
  return value.c_str();
}

/// Owns the responses DcmSCU hands back.
template<typename Response>
struct Responses
{
  OFList<Response*> list;
  ~Responses()
  {
    for (Response* r : list)
      delete r;
  }
  /// The final status (the last response's); 0xFFFF when there was none (not a DIMSE status).
  Uint16 finalStatus() const { return list.empty() ? 0xFFFF : list.back()->m_status; }
};

/// One association with the PACS. C-GET's instances go to `storageDir` as NNNNN.dcm (never a
/// name taken from the data).
class Association : public DcmSCU
{
public:
  Association(const std::string& url, const DimsePeer& peer, const DimseOptions& options)
    : m_url(url)
  {
    // DcmSCU logs its failures itself; LiverPlan names them once, in its own error.
    OFLog::getLogger("dcmtk.dcmnet").setLogLevel(OFLogger::FATAL_LOG_LEVEL);
    setAETitle(options.callingAeTitle.c_str());
    setPeerAETitle(peer.aeTitle.c_str());
    setPeerHostName(peer.host.c_str());
    setPeerPort(peer.port);
    const auto timeout = static_cast<Uint32>(options.timeoutSeconds);
    setConnectionTimeout(static_cast<Sint32>(timeout));
    setACSETimeout(timeout);
    setDIMSETimeout(timeout);
    setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
  }

  /// Connect and negotiate the contexts added; ProcessingError naming `service` when refused.
  /// Returns the accepted context for `abstractSyntax` (ProcessingError when the PACS refused
  /// it); 0 when none is asked for.
  T_ASC_PresentationContextID open(const std::string& service, const char* abstractSyntax)
  {
    OFCondition cond = initNetwork();
    if (cond.good())
      cond = negotiateAssociation();
    check(cond, service);
    if (!abstractSyntax)
      return 0;
    const T_ASC_PresentationContextID id = findAnyPresentationContextID(abstractSyntax, "");
    if (id == 0)
      throw ProcessingError(m_url + ": " + service + " is not offered by the PACS (" +
                            dcmFindNameOfUID(abstractSyntax, abstractSyntax) + " refused)");
    return id;
  }

  /// ProcessingError for a failed `cond`: a PACS that rejects or aborts the association most
  /// often does not know LiverPlan's AE title, which the message then names.
  void check(const OFCondition& cond, const std::string& what) const
  {
    if (cond.good())
      return;
    std::string message = m_url + ": " + what + ": " + cond.text();
    if (cond == DUL_ASSOCIATIONREJECTED || cond == DUL_PEERABORTEDASSOCIATION)
      message += std::string(" (does the PACS know LiverPlan's AE title ") + getAETitle().c_str() +
                 "? --aet)";
    throw ProcessingError(message);
  }

  void close()
  {
    if (isConnected())
      releaseAssociation();
  }

  ~Association() override
  {
    if (isConnected())
      abortAssociation();
  }

  const std::string& url() const { return m_url; }

protected:
  OFString createStorageFilename(DcmDataset* /*dataset*/) override
  {
    char name[32];
    std::snprintf(name, sizeof name, "%05zu.dcm", m_stored++);
    return (fs::path(getStorageDir().c_str()) / name).string().c_str();
  }

private:
  std::string m_url;
  std::size_t m_stored = 0;
};

} // namespace

bool isDimseUrl(const std::string& url)
{
  return url.rfind("dicom://", 0) == 0;
}

void checkAeTitle(const std::string& aeTitle, const std::string& what)
{
  bool printable =
    !aeTitle.empty() && aeTitle.size() <= 16 && aeTitle.find_first_not_of(' ') != std::string::npos;
  for (char c : aeTitle)
    printable = printable && c >= 0x20 && c < 0x7f && c != '\\';
  if (!printable)
    throw InputError("",
                     what + " \"" + aeTitle +
                       "\" is not an AE title (1 to 16 printable characters, no backslash)");
}

DimsePeer parseDimseUrl(const std::string& url)
{
  const auto bad = [&](const std::string& why)
  { return InputError("", "--server \"" + url + "\": " + why + " (dicom://AET@host:port)"); };
  if (!isDimseUrl(url))
    throw bad("not a dicom:// URL");
  std::string rest = url.substr(8);
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  const std::size_t at = rest.rfind('@');
  if (at == std::string::npos)
    throw bad("no AE title");
  DimsePeer peer;
  peer.aeTitle = rest.substr(0, at);
  checkAeTitle(peer.aeTitle, "--server's AE title");
  const std::string hostPort = rest.substr(at + 1);
  std::size_t colon = std::string::npos;
  if (!hostPort.empty() && hostPort.front() == '[')
  {
    const std::size_t close = hostPort.find(']');
    if (close == std::string::npos)
      throw bad("unclosed [ in the host");
    peer.host = hostPort.substr(1, close - 1);
    if (close + 1 < hostPort.size() && hostPort[close + 1] == ':')
      colon = close + 1;
  }
  else
  {
    colon = hostPort.rfind(':');
    peer.host = hostPort.substr(0, colon);
  }
  if (peer.host.empty())
    throw bad("no host");
  const std::string port = colon == std::string::npos ? "" : hostPort.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535)
    throw bad("no port from 1 to 65535");
  peer.port = static_cast<std::uint16_t>(std::stoi(port));
  return peer;
}

namespace
{

DcmTagKey keyOf(Tag tag)
{
  return DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF));
}

class DimseServer final : public Server
{
public:
  DimseServer(const std::string& url, DimseOptions options)
    : m_url(url)
    , m_peer(parseDimseUrl(url))
    , m_options(std::move(options))
  {
    checkAeTitle(m_options.callingAeTitle, "--aet");
    if (m_options.timeoutSeconds < 1)
      throw InputError("", "--timeout must be at least 1 second");
  }

  std::string name() const override { return m_url; }

  /// C-FIND in the Study Root model; each answer's values of the keys asked for.
  std::vector<Attributes> find(const Query& query) const override
  {
    DcmDataset request;
    request.putAndInsertOFStringArray(DCM_QueryRetrieveLevel, query.level.c_str());
    for (const QueryKey& key : query.match)
      request.putAndInsertOFStringArray(keyOf(key.tag), key.value.c_str());
    for (Tag tag : query.returned)
      request.insertEmptyElement(keyOf(tag));
    Association scu(m_url, m_peer, m_options);
    scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, uncompressed());
    const T_ASC_PresentationContextID id =
      scu.open("C-FIND (Study Root)", UID_FINDStudyRootQueryRetrieveInformationModel);
    Responses<QRResponse> responses;
    const std::string what = "C-FIND of " + query.what;
    scu.check(scu.sendFINDRequest(id, &request, &responses.list), what);
    if (responses.finalStatus() != STATUS_Success)
      throw ProcessingError(m_url + ": " + what + ": " +
                            DU_cfindStatusString(responses.finalStatus()) + " (" +
                            hex16(responses.finalStatus()) + ")");
    scu.close();
    std::vector<Attributes> answers;
    for (QRResponse* r : responses.list)
      if (r->m_dataset)
        answers.push_back(
          answerOf(query, [&](Tag tag) { return stringOf(*r->m_dataset, keyOf(tag)); }));
    return answers;
  }

  std::size_t retrieve(const std::string& studyUid,
                       const std::string& seriesUid,
                       const std::string& folder) const override
  {
    fs::create_directories(folder);
    Association scu(m_url, m_peer, m_options);
    scu.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel, uncompressed());
    for (const char* storage : RetrievedClasses)
      scu.addPresentationContext(storage, uncompressed(), ASC_SC_ROLE_SCP);
    scu.setStorageMode(DCMSCU_STORAGE_DISK);
    scu.setStorageDir(folder.c_str());
    const T_ASC_PresentationContextID id =
      scu.open("C-GET (Study Root)", UID_GETStudyRootQueryRetrieveInformationModel);

    DcmDataset query;
    query.putAndInsertOFStringArray(DCM_QueryRetrieveLevel, "SERIES");
    query.putAndInsertOFStringArray(DCM_StudyInstanceUID, studyUid.c_str());
    query.putAndInsertOFStringArray(DCM_SeriesInstanceUID, seriesUid.c_str());
    Responses<RetrieveResponse> responses;
    const OFCondition cond = scu.sendCGETRequest(id, &query, &responses.list);
    const std::string what = "C-GET of series " + seriesUid;
    scu.check(cond, what);
    if (responses.list.empty())
      throw ProcessingError(m_url + ": " + what + ": no response");
    const RetrieveResponse& last = *responses.list.back();
    if ((last.m_status != STATUS_Success &&
         last.m_status != STATUS_GET_Warning_SubOperationsCompleteOneOrMoreFailures) ||
        last.m_numberOfFailedSubops > 0)
      throw ProcessingError(m_url + ": " + what + ": " + DU_cgetStatusString(last.m_status) + " (" +
                            hex16(last.m_status) + "), " +
                            std::to_string(last.m_numberOfFailedSubops) + " image(s) not sent");
    scu.close();

    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(folder))
      files += e.is_regular_file();
    return files;
  }

  StoreResult storeFiles(const std::string& studyUid,
                         const std::vector<std::string>& files) const override
  {
    struct Instance
    {
      std::string file, sopClass, sopInstance;
    };
    std::vector<Instance> instances;
    std::map<std::string, bool> classes;
    for (const std::string& file : files)
    {
      DcmFileFormat ff;
      if (ff.loadFile(file.c_str()).bad())
        throw InputError(file, "not a DICOM file");
      DcmDataset& d = *ff.getDataset();
      Instance instance{ file, stringOf(d, DCM_SOPClassUID), stringOf(d, DCM_SOPInstanceUID) };
      if (instance.sopClass.empty() || instance.sopInstance.empty())
        throw InputError(file, "SOPClassUID/SOPInstanceUID missing");
      if (stringOf(d, DCM_StudyInstanceUID) != studyUid)
        throw InputError(file, "StudyInstanceUID is not " + studyUid);
      classes[instance.sopClass] = true;
      instances.push_back(instance);
    }
    StoreResult result;
    if (instances.empty())
      return result;

    Association scu(m_url, m_peer, m_options);
    for (const auto& c : classes)
      scu.addPresentationContext(c.first.c_str(), uncompressed());
    scu.setDatasetConversionMode(OFTrue);
    scu.open("C-STORE", nullptr);
    for (const Instance& instance : instances)
    {
      const T_ASC_PresentationContextID id =
        scu.findAnyPresentationContextID(instance.sopClass.c_str(), "");
      if (id == 0)
      {
        result.failures.push_back(instance.sopInstance + ": " +
                                  dcmFindNameOfUID(instance.sopClass.c_str(), "SOP class") +
                                  " not accepted by the PACS");
        continue;
      }
      Uint16 status = 0xFFFF;
      const OFCondition cond =
        scu.sendSTORERequest(id, OFFilename(instance.file.c_str()), nullptr, status);
      scu.check(cond, "C-STORE of " + instance.file);
      // Success, or a warning (coercion, elements discarded): the instance is stored.
      if (status == STATUS_Success || (status & 0xF000) == 0xB000)
        ++result.stored;
      else
        result.failures.push_back(instance.sopInstance + ": " + DU_cstoreStatusString(status) +
                                  " (" + hex16(status) + ")");
    }
    scu.close();
    return result;
  }

private:
  std::string m_url;
  DimsePeer m_peer;
  DimseOptions m_options;
};

} // namespace

std::unique_ptr<Server> dimseServer(const std::string& url, DimseOptions options)
{
  return std::make_unique<DimseServer>(url, std::move(options));
}

} // namespace liver::pacs
