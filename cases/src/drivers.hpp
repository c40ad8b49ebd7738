// The drivers of the operation table's rows (driver.cpp): each drives an engine through one
// operation on a case's inputs. Internal to bnconf::cases; run_case is the public entry.
#pragma once

#include "bnconf/cases/driver.hpp"

namespace bnconf::cases {

void drive_forward_train(const Case& c, Engine& engine, Execution& execution);
void drive_forward_eval(const Case& c, Engine& engine, Execution& execution);
void drive_backward_train(const Case& c, Engine& engine, Execution& execution);
void drive_backward_eval(const Case& c, Engine& engine, Execution& execution);
void drive_sequence(const Case& c, Engine& engine, Execution& execution);
void drive_pipeline(const Case& c, Engine& engine, Execution& execution);
void drive_error(const Case& c, Engine& engine, Execution& execution);

}  // namespace bnconf::cases
