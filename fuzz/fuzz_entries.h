#pragma once
/// Entry points for fuzzing the untrusted inputs: the libFuzzer harnesses (scripts/fuzz, clang)
/// and the regression test that replays tests/fuzz_regression/ (the normal gcc build) call the
/// same functions.
///
/// Each takes arbitrary bytes and returns normally when the product refuses them the documented
/// way (InputError or std::invalid_argument, i.e. exit code 2). A crash, a sanitizer report, a
/// hang, or any other exception escaping (which `liverplan` would report as exit 3, "processing
/// failed", for what is bad input) is a finding.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace liver::fuzz
{

/// One fuzz target: its name (the corpus folder's name) and its entry function.
struct Target
{
  std::string name;
  void (*run)(const std::uint8_t* data, std::size_t size);
};

/// image_header: byte 0 picks the extension (.nii, .nii.gz, .nrrd, .mha); the rest is the file,
/// loaded as a CT and as labels (the header checks run first).
void imageHeader(const std::uint8_t* data, std::size_t size);

/// dicom_file: the bytes as one DICOM file, loaded as a CT.
void dicomFile(const std::uint8_t* data, std::size_t size);

/// dicom_folder: the bytes split at "\n--FILE--\n" into up to 8 files of one folder, scanned and
/// loaded as a CT (series grouping, sorting, duplicates, consistency checks).
void dicomFolder(const std::uint8_t* data, std::size_t size);

/// label_import: byte 0 picks the extension (.nii.gz, .nii, .seg.nrrd, .nrrd) and byte 1 the
/// format (auto, totalseg, lits, slicer, mask); imported onto a 16x16x16 CT grid, resampled.
void labelImport(const std::uint8_t* data, std::size_t size);

/// dicom_seg: the bytes as one DICOM SEG file, read (readDicomSegmentation) and imported as the
/// liver (--format dicom-seg) onto a 16x16x16 CT grid, resampled.
void dicomSeg(const std::uint8_t* data, std::size_t size);

/// json_inputs: byte 0 picks clinical.json, plan.json, landmarks.json, result.json (the decision
/// read from it) or the batch clinical CSV; the rest is the file. A JSON file's InputError must
/// be one line of at most 1000 bytes starting with the file's name.
void jsonInputs(const std::uint8_t* data, std::size_t size);

/// pacs_dicomweb: byte 0 picks what a PACS answers (fuzz_pacs.cpp): a QIDO-RS page of studies
/// (read by findStudies) or of series (studySeries), a STOW-RS answer, Orthanc's /changes,
/// /changes?last or /studies/{id}, or a WADO-RS multipart answer (first line: its Content-Type);
/// the rest is the answer. Refused only as ProcessingError, one line naming the URL.
void pacsDicomweb(const std::uint8_t* data, std::size_t size);

/// pacs_watch_state: byte 0 picks what the watch follows (changes, date); the rest is
/// OUT/pacs-watch.json, opened as `pacs watch` does. Refused only as InputError, one line naming
/// the file; an accepted state must read back as it is written.
void pacsWatchState(const std::uint8_t* data, std::size_t size);

/// Every target, in a fixed order.
const std::vector<Target>& targets();

} // namespace liver::fuzz
