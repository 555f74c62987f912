#pragma once
/// Chunked parallel loops on ITK's threads, for the imaging module's own filters.

#include <itkMultiThreaderBase.h>

#include <algorithm>
#include <cstddef>

namespace liver
{

/// Run body(first, last) over [0, count) in up to 64 chunks on ITK's threads (in this thread when
/// there is one chunk or none).
template<typename Body>
void parallelRange(std::size_t count, const Body& body)
{
  const std::size_t chunks = std::min<std::size_t>(count, 64);
  if (chunks <= 1)
  {
    body(std::size_t{ 0 }, count);
    return;
  }
  auto threader = itk::MultiThreaderBase::New();
  threader->ParallelizeArray(
    0,
    chunks,
    [&](itk::SizeValueType chunk) { body(count * chunk / chunks, count * (chunk + 1) / chunks); },
    nullptr);
}

} // namespace liver
