import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes, useParams } from "react-router";
import { createQueryClient } from "./api/queryClient";
import { AuthProvider } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { RequireAuth } from "./components/RequireAuth";
import { RequireRole } from "./components/RequireRole";
import { ActivityPage } from "./pages/ActivityPage";
import { AdminLayout } from "./pages/admin/AdminLayout";
import { EnvironmentsPage } from "./pages/admin/EnvironmentsPage";
import { JobsPage } from "./pages/admin/JobsPage";
import { AdminOrganizationsPage } from "./pages/admin/OrganizationsPage";
import { UserPage } from "./pages/admin/UserPage";
import { UsersPage } from "./pages/admin/UsersPage";
import { AuthoringPage } from "./pages/AuthoringPage";
import { CataloguePage } from "./pages/CataloguePage";
import { ConfirmEmailPage } from "./pages/ConfirmEmailPage";
import { CoursePage } from "./pages/CoursePage";
import { DraftPage } from "./pages/DraftPage";
import { InvitationPage } from "./pages/InvitationPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { OrganizationPage } from "./pages/OrganizationPage";
import { OrganizationsPage } from "./pages/OrganizationsPage";
import { ResetPasswordPage } from "./pages/ResetPasswordPage";
import { ResetRequestPage } from "./pages/ResetRequestPage";
import { SetupPage } from "./pages/SetupPage";
import { SignInPage } from "./pages/SignInPage";
import { SignUpPage } from "./pages/SignUpPage";
import { SystemStatus } from "./SystemStatus";

// The IDE (CodeMirror, xterm.js) is only loaded on lesson pages.
const LessonPage = lazy(() => import("./pages/LessonPage").then((module) => ({ default: module.LessonPage })));
// Recharts is loaded with the Metrics page only: nobody else pays for it.
const MetricsPage = lazy(() =>
  import("./pages/admin/MetricsPage").then((module) => ({ default: module.MetricsPage })),
);

function LessonRoute() {
  const { courseId = "", slug = "" } = useParams();
  return (
    <RequireAuth>
      <Suspense fallback={<p className="muted page">Loading the lesson…</p>}>
        <LessonPage key={`${courseId}/${slug}`} />
      </Suspense>
    </RequireAuth>
  );
}

/** The route table (tests render it inside a MemoryRouter). */
export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<CataloguePage />} />
        <Route path="signin" element={<SignInPage />} />
        <Route path="signup" element={<SignUpPage />} />
        <Route path="reset" element={<ResetRequestPage />} />
        <Route path="reset/:token" element={<ResetPasswordPage />} />
        <Route path="confirm/:token" element={<ConfirmEmailPage />} />
        <Route
          path="courses/:courseId"
          element={
            <RequireAuth>
              <CoursePage />
            </RequireAuth>
          }
        />
        <Route path="courses/:courseId/lessons/:slug" element={<LessonRoute />} />
        <Route
          path="activity"
          element={
            <RequireAuth>
              <ActivityPage />
            </RequireAuth>
          }
        />
        <Route
          path="authoring"
          element={
            <RequireRole roles={["author", "admin"]}>
              <AuthoringPage />
            </RequireRole>
          }
        />
        <Route
          path="authoring/imports/:draftId"
          element={
            <RequireRole roles={["author", "admin"]}>
              <DraftPage />
            </RequireRole>
          }
        />
        <Route
          path="admin"
          element={
            <RequireRole roles={["admin"]}>
              <AdminLayout />
            </RequireRole>
          }
        >
          <Route index element={<Navigate to="/admin/jobs" replace />} />
          <Route
            path="metrics"
            element={
              <Suspense fallback={<p className="muted">Loading the metrics…</p>}>
                <MetricsPage />
              </Suspense>
            }
          />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="environments" element={<EnvironmentsPage />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="users/:userId" element={<UserPage />} />
          <Route path="organizations" element={<AdminOrganizationsPage />} />
        </Route>
        <Route
          path="organizations"
          element={
            <RequireAuth>
              <OrganizationsPage />
            </RequireAuth>
          }
        />
        <Route
          path="organizations/:slug"
          element={
            <RequireAuth>
              <OrganizationPage />
            </RequireAuth>
          }
        />
        <Route
          path="invitations/:token"
          element={
            <RequireAuth>
              <InvitationPage />
            </RequireAuth>
          }
        />
        <Route
          path="setup/:token"
          element={
            <RequireAuth>
              <SetupPage />
            </RequireAuth>
          }
        />
        <Route
          path="status"
          element={
            <div className="page">
              <SystemStatus />
            </div>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
