#pragma once
// input_error now lives with the other exceptions in cellsched/error.hpp; this header forwards to it for
// the io/ loaders and for code written against the old path.
#include "cellsched/error.hpp"
