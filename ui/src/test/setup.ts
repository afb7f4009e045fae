// Testing Library unmounts after each test only when it finds a global afterEach; vitest has none by default.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(cleanup);
